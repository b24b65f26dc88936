using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>Process exit (the mmu notifier release) with live mirrors and ranges: the kernel
/// selftest "process exit while ranges are registered".</summary>
public class ExitTests
{
    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Exit_kills_the_state_invalidates_ranges_and_releases_each_mirror_once(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(8);
        var secondOps = new RecordingOps();
        var second = HmmMirror.Register(driver.Mm, secondOps);
        var range = driver.RegisteredRange(8);
        var state = driver.State;

        driver.Mm.Exit();
        driver.Mm.Exit();

        Assert.True(state.Dead);
        Assert.True(driver.Mm.HasExited);
        Assert.False(range.Valid);
        Assert.Equal(1, secondOps.Releases);
        Assert.Equal(signature == Signature.Mirror ? 1 : 0, driver.Ops.Releases);
        Assert.False(HmmApi.MirrorMmIsAlive(second));
        Assert.Equal(0, state.MirrorCount);

        // Mirrors and ranges keep the dead state alive until the driver lets go.
        Assert.Equal(signature == Signature.Mirror ? 3 : 2, state.RefCount);
        Assert.Equal(-Errno.EFAULT, driver.Register(NewRange(1), At(0), At(1)));
        Assert.Equal(-Errno.EFAULT, driver.Snapshot(range));
        Assert.Equal(-Errno.EFAULT, driver.Fault(range));
        Assert.False(HmmApi.RangeWaitUntilValid(range, TimeSpan.FromSeconds(5)));

        HmmApi.RangeUnregister(range);
        second.Dispose();
        driver.Mirror?.Dispose();
        Assert.Equal(1, state.FreeCount);
        Assert.Null(driver.Mm.Hmm);
        Assert.Equal(driver.Mm.HmmStatesCreated, driver.Mm.HmmStatesFreed);
    }

    [Fact]
    public void Release_callback_may_unregister_its_mirror()
    {
        var mm = new MmStruct();
        var ops = new RecordingOps();
        ops.OnRelease = m => HmmApi.MirrorUnregister(m);
        var first = HmmMirror.Register(mm, ops);
        var second = HmmMirror.Register(mm, ops);
        var state = mm.Hmm!;

        mm.Exit();

        Assert.Equal(2, ops.Releases);
        Assert.False(first.IsRegistered);
        Assert.False(second.IsRegistered);
        Assert.Equal(1, state.FreeCount);
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void Exit_wakes_a_waiter_which_then_reports_invalid()
    {
        var driver = new Driver();
        driver.Map(4);
        var range = NewRange(4);
        bool? woke = null;
        var blocked = driver.BlockInvalidation(page: 0);
        Assert.Equal(0, driver.Register(range, At(0), At(4)));
        var waiter = new Thread(() => woke = HmmApi.RangeWaitUntilValid(range, TimeSpan.FromSeconds(20)));
        waiter.Start();
        Thread.Sleep(50);

        var exit = new Thread(driver.Mm.Exit);
        exit.Start();

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "exit did not wake the waiter");
        Assert.False(woke);
        blocked.Dispose(); // the release waits for the invalidation's hold on the mirror list
        Assert.True(exit.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, driver.Ops.Releases);
        Assert.False(range.Valid);
    }

    [Fact]
    public void The_address_space_is_gone_after_exit()
    {
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));

        driver.Mm.Exit();

        Assert.Null(driver.Mm.FindVma(At(0)));
        Assert.Null(driver.Mm.GetPage(At(0)));
        Assert.Equal(-Errno.EFAULT, driver.Mm.Touch(At(0), write: false));
        Assert.Equal(0, driver.Mm.Munmap(At(0), Page));
        Assert.Throws<ObjectDisposedException>(() => driver.Mm.Mmap(At(0), Page, VmFlags.Read));
        Assert.Empty(driver.Ops.Updates); // teardown after release notifies no one
    }

    [Fact]
    public void Exit_without_hmm_is_fine()
    {
        var mm = new MmStruct();
        mm.Exit();
        Assert.True(mm.HasExited);
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void Exit_releases_the_mirrors_newest_first()
    {
        var driver = new Driver();
        var released = new List<string>();
        driver.Ops.OnRelease = _ => released.Add("first");
        using var second = HmmMirror.Register(driver.Mm, new RecordingOps { OnRelease = _ => released.Add("second") });

        driver.Mm.Exit();

        Assert.Equal(["second", "first"], released);
    }
}
