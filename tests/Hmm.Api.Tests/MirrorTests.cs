namespace Hmm.Api.Tests;

/// <summary>hmm_mirror_register, hmm_mirror_unregister, hmm_mirror_mm_is_alive and the
/// convenience <see cref="HmmMirror.Register"/>/<see cref="HmmMirror.Dispose"/>.</summary>
public class MirrorTests
{
    [Fact]
    public void Registering_creates_the_per_mm_state_and_holds_a_reference()
    {
        var mm = new MmStruct();
        var mirror = new HmmMirror(new RecordingOps());

        Assert.Equal(0, HmmApi.MirrorRegister(mirror, mm));

        Assert.True(mirror.IsRegistered);
        Assert.Same(mm, mirror.Mm);
        Assert.True(HmmApi.MirrorMmIsAlive(mirror));
        Assert.Same(mm.Hmm, mirror.Hmm);
        Assert.Equal(1, mm.Hmm!.RefCount);
        Assert.Equal(1, mm.Hmm.MirrorCount);
    }

    [Fact]
    public void Mirrors_of_one_mm_share_its_state()
    {
        var mm = new MmStruct();
        using var first = HmmMirror.Register(mm, new RecordingOps());
        using var second = HmmMirror.Register(mm, new RecordingOps());

        Assert.Same(first.Hmm, second.Hmm);
        Assert.Equal(2, mm.Hmm!.RefCount);
        Assert.Equal(2, mm.Hmm.MirrorCount);
        Assert.Equal(1, mm.HmmStatesCreated);
    }

    [Fact]
    public void Missing_mirror_or_mm_is_EINVAL()
    {
        var mm = new MmStruct();
        Assert.Equal(-Errno.EINVAL, HmmApi.MirrorRegister(null!, mm));
        Assert.Equal(-Errno.EINVAL, HmmApi.MirrorRegister(new HmmMirror(new RecordingOps()), null!));
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void Failed_allocation_of_the_state_is_ENOMEM()
    {
        var mm = new MmStruct { FailNextHmmAllocation = true };
        var mirror = new HmmMirror(new RecordingOps());

        Assert.Equal(-Errno.ENOMEM, HmmApi.MirrorRegister(mirror, mm));
        Assert.False(mirror.IsRegistered);
        Assert.Null(mm.Hmm);

        mm.FailNextHmmAllocation = true;
        var ex = Assert.Throws<HmmException>(() => HmmMirror.Register(mm, new RecordingOps()));
        Assert.Equal(Errno.ENOMEM, ex.Errno);
    }

    [Fact]
    public void Registering_with_an_exited_mm_is_EFAULT()
    {
        var mm = new MmStruct();
        mm.Exit();

        Assert.Equal(-Errno.EFAULT, HmmApi.MirrorRegister(new HmmMirror(new RecordingOps()), mm));
        var ex = Assert.Throws<HmmException>(() => HmmMirror.Register(mm, new RecordingOps()));
        Assert.Equal(Errno.EFAULT, ex.Errno);
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void Registering_with_an_exited_mm_whose_dead_state_lives_on_is_EFAULT_too()
    {
        var mm = new MmStruct();
        using var survivor = HmmMirror.Register(mm, new RecordingOps());
        mm.Exit();
        var mirror = new HmmMirror(new RecordingOps());

        Assert.Equal(-Errno.EFAULT, HmmApi.MirrorRegister(mirror, mm));

        Assert.False(mirror.IsRegistered);
        Assert.Equal(1, mm.Hmm!.RefCount);
    }

    [Fact]
    public void Registering_a_registered_mirror_again_is_a_programming_error()
    {
        var mm = new MmStruct();
        using var mirror = HmmMirror.Register(mm, new RecordingOps());

        Assert.Throws<InvalidOperationException>(() => HmmApi.MirrorRegister(mirror, mm));
        Assert.Throws<InvalidOperationException>(() => HmmApi.MirrorRegister(mirror, new MmStruct()));
        Assert.Equal(1, mm.Hmm!.RefCount);
    }

    [Fact]
    public void Unregistering_the_last_mirror_frees_the_state_and_unhooks_it()
    {
        var mm = new MmStruct();
        var mirror = HmmMirror.Register(mm, new RecordingOps());
        var state = mm.Hmm!;

        HmmApi.MirrorUnregister(mirror);

        Assert.False(mirror.IsRegistered);
        Assert.Null(mirror.Mm);
        Assert.False(HmmApi.MirrorMmIsAlive(mirror));
        Assert.Equal(0, state.RefCount);
        Assert.Equal(1, state.FreeCount);
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void A_mirror_can_register_again_after_unregistering_and_gets_a_new_state()
    {
        var mm = new MmStruct();
        var mirror = new HmmMirror(new RecordingOps());
        Assert.Equal(0, HmmApi.MirrorRegister(mirror, mm));
        var first = mm.Hmm;
        HmmApi.MirrorUnregister(mirror);

        Assert.Equal(0, HmmApi.MirrorRegister(mirror, mm));

        Assert.NotSame(first, mm.Hmm);
        Assert.Equal(2, mm.HmmStatesCreated);
        Assert.Equal(1, mm.HmmStatesFreed);
        mirror.Dispose();
    }

    [Fact]
    public void Unregistering_an_unregistered_mirror_is_a_programming_error_and_changes_nothing()
    {
        var mm = new MmStruct();
        using var other = HmmMirror.Register(mm, new RecordingOps());
        var mirror = HmmMirror.Register(mm, new RecordingOps());
        HmmApi.MirrorUnregister(mirror);

        Assert.Throws<InvalidOperationException>(() => HmmApi.MirrorUnregister(mirror));
        Assert.Throws<InvalidOperationException>(() => HmmApi.MirrorUnregister(new HmmMirror(new RecordingOps())));
        Assert.Throws<ArgumentNullException>(() => HmmApi.MirrorUnregister(null!));
        Assert.Equal(1, mm.Hmm!.RefCount);
        Assert.Equal(1, mm.Hmm.MirrorCount);
    }

    [Fact]
    public void Dispose_unregisters_once_and_is_idempotent()
    {
        var mm = new MmStruct();
        using var other = HmmMirror.Register(mm, new RecordingOps());
        var mirror = HmmMirror.Register(mm, new RecordingOps());

        mirror.Dispose();
        mirror.Dispose();
        new HmmMirror(new RecordingOps()).Dispose();

        Assert.False(mirror.IsRegistered);
        Assert.Equal(1, mm.Hmm!.RefCount);
    }

    [Fact]
    public void Mm_is_alive_is_false_without_a_mirror_a_registration_or_a_live_process()
    {
        var mm = new MmStruct();
        var mirror = HmmMirror.Register(mm, new RecordingOps());
        Assert.True(HmmApi.MirrorMmIsAlive(mirror));

        mm.Exit();

        Assert.False(HmmApi.MirrorMmIsAlive(mirror));
        Assert.True(mirror.IsRegistered);
        Assert.False(HmmApi.MirrorMmIsAlive(null!));
        Assert.False(HmmApi.MirrorMmIsAlive(new HmmMirror(new RecordingOps())));
        mirror.Dispose();
    }

    [Fact]
    public void Null_ops_or_mm_throw()
    {
        Assert.Throws<ArgumentNullException>(() => new HmmMirror(null!));
        Assert.Throws<ArgumentNullException>(() => HmmMirror.Register(null!, new RecordingOps()));
        Assert.Throws<ArgumentNullException>(() => HmmMirror.Register(new MmStruct(), null!));
    }

    [Fact]
    public void HmmException_keeps_the_errno_positive()
    {
        Assert.Equal(Errno.EFAULT, new HmmException(-Errno.EFAULT, "gone").Errno);
        Assert.Equal(Errno.ENOMEM, new HmmException(Errno.ENOMEM, "no memory").Errno);
        Assert.Equal("gone", new HmmException(Errno.EFAULT, "gone").Message);
    }

    [Fact]
    public void A_sync_callback_may_register_a_range_through_a_mirror_being_unregistered()
    {
        // The callback runs under mirrors_sem for read; the unregistration waits for it for
        // write. Neither holds the mirror's own lock while waiting, so both finish.
        var mm = new MmStruct();
        mm.Mmap(Driver.At(0), Driver.Page, VmFlags.Read | VmFlags.Write);
        var ops = new RecordingOps();
        var mirror = HmmMirror.Register(mm, ops);
        var state = mm.Hmm!;
        var range = Driver.NewRange(1);
        int registered = int.MinValue;
        Thread? unregister = null;
        ops.OnSync = (m, _) =>
        {
            unregister = new Thread(() => HmmApi.MirrorUnregister(m));
            unregister.Start();
            Thread.Sleep(50); // let it reach mirrors_sem
            registered = HmmApi.RangeRegister(range, m, Driver.At(0), Driver.At(1), HmmApi.PageShift);
            return 0;
        };

        var munmap = new Thread(() => mm.Munmap(Driver.At(0), Driver.Page));
        munmap.Start();

        Assert.True(munmap.Join(TimeSpan.FromSeconds(10)), "deadlock");
        Assert.True(unregister!.Join(TimeSpan.FromSeconds(10)), "deadlock");
        Assert.Equal(0, registered);
        Assert.False(mirror.IsRegistered);
        Assert.Equal(1, state.RefCount); // the range's
        HmmApi.RangeUnregister(range);
        Assert.Equal(1, state.FreeCount);
    }
}
