using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>hmm_range_register, with the mirror (after the change) and with the mm (legacy),
/// check by check in the kernel's order.</summary>
public class RangeRegisterTests
{
    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Registers_a_valid_range_that_holds_a_reference(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        var range = NewRange(4);

        Assert.Equal(0, driver.Register(range, At(0), At(4)));

        Assert.True(range.Valid);
        Assert.True(HmmApi.RangeValid(range));
        Assert.Equal((At(0), At(4), HmmApi.PageShift), (range.Start, range.End, range.PageShift));
        Assert.Equal(1, driver.State.RangeCount);
        // The mirror's reference (mirror signature) plus the range's.
        Assert.Equal(signature == Signature.Mirror ? 2 : 1, driver.State.RefCount);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Misaligned_start_or_end_is_EINVAL_and_nothing_is_stored(Signature signature)
    {
        var driver = new Driver(signature);
        var range = NewRange(4);

        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(0) + 1, At(4)));
        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(0), At(4) - 8));

        Assert.Equal((0UL, 0UL, 0), (range.Start, range.End, range.PageShift));
        Assert.False(range.Valid);
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Empty_or_reversed_range_is_EINVAL(Signature signature)
    {
        var driver = new Driver(signature);
        var range = NewRange(4);

        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(2), At(2)));
        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(3), At(1)));
        Assert.False(range.Valid);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Alignment_follows_the_page_shift_given(Signature signature)
    {
        var driver = new Driver(signature);
        const int hugeShift = 21;
        var range = NewRange(512);

        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(0) + Page, At(0) + (1UL << hugeShift), hugeShift));
        Assert.Equal(0, driver.Register(range, 1UL << hugeShift, 2UL << hugeShift, hugeShift));
        Assert.Equal(hugeShift, range.PageShift);
        HmmApi.RangeUnregister(range);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Page_shift_outside_0_to_63_is_EINVAL(Signature signature)
    {
        var driver = new Driver(signature);
        var range = NewRange(1);

        Assert.Equal(-Errno.EINVAL, driver.Register(range, 0, Page, -1));
        Assert.Equal(-Errno.EINVAL, driver.Register(range, 0, Page, 64));
        Assert.Equal(0, range.PageShift);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void After_exit_is_EFAULT_but_the_bounds_are_already_stored(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        driver.Mm.Exit();
        var range = NewRange(4);

        // Steps 2 and 3 come before the exit check...
        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(0) + 1, At(4)));
        Assert.Equal(-Errno.EINVAL, driver.Register(range, At(4), At(4)));
        // ...step 4 stores the bounds before step 5 fails.
        Assert.Equal(-Errno.EFAULT, driver.Register(range, At(0), At(4)));
        Assert.Equal((At(0), At(4)), (range.Start, range.End));
        Assert.False(range.Valid);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void During_an_invalidation_the_range_registers_invalid_and_becomes_valid_when_it_ends(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        var range = NewRange(4);

        using (driver.BlockInvalidation(page: 1))
        {
            Assert.Equal(0, driver.Register(range, At(0), At(4)));
            Assert.False(range.Valid);
        }

        Assert.True(range.Valid);
    }

    [Fact]
    public void Mirror_signature_with_an_unregistered_mirror_is_a_programming_error()
    {
        var mm = new MmStruct();
        var mirror = new HmmMirror(new RecordingOps());
        var range = NewRange(1);

        Assert.Throws<InvalidOperationException>(() => HmmApi.RangeRegister(range, mirror, 0, Page, HmmApi.PageShift));

        Assert.Equal(0, HmmApi.MirrorRegister(mirror, mm));
        HmmApi.MirrorUnregister(mirror);
        Assert.Throws<InvalidOperationException>(() => HmmApi.RangeRegister(range, mirror, 0, Page, HmmApi.PageShift));
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void Mirror_signature_takes_one_more_reference_on_the_mirrors_state()
    {
        var driver = new Driver();
        var state = driver.State;
        Assert.Equal(1, state.RefCount);

        var first = driver.RegisteredRange(1);
        var second = driver.RegisteredRange(1, first: 1);

        Assert.Same(state, first.Hmm);
        Assert.Same(state, second.Hmm);
        Assert.Equal(3, state.RefCount);
        Assert.Equal(1, driver.Mm.HmmStatesCreated);
    }

    [Fact]
    public void Legacy_signature_creates_the_state_from_the_mm_without_a_mirror()
    {
        var driver = new Driver(Signature.Legacy);
        Assert.Null(driver.Mm.Hmm);

        var range = driver.RegisteredRange(2);

        var state = driver.State;
        Assert.Equal(1, state.RefCount);
        Assert.Equal(1, driver.Mm.HmmStatesCreated);

        HmmApi.RangeUnregister(range);
        Assert.Null(driver.Mm.Hmm);
        Assert.Equal(1, state.FreeCount);
    }

    [Fact]
    public void Legacy_signature_reports_a_failed_get_or_create_as_EFAULT()
    {
        var driver = new Driver(Signature.Legacy);
        driver.Mm.FailNextHmmAllocation = true;
        var range = NewRange(1);

        Assert.Equal(-Errno.EFAULT, driver.Register(range, At(0), At(1)));

        Assert.Null(driver.Mm.Hmm);
        Assert.Null(range.Hmm);
        Assert.False(range.Valid);
    }

    [Fact]
    public void Legacy_signature_on_a_dead_state_drops_the_reference_it_took()
    {
        var driver = new Driver(Signature.Legacy);
        using var mirror = HmmMirror.Register(driver.Mm, new RecordingOps());
        driver.Mm.Exit();
        var state = driver.State;
        Assert.Equal(1, state.RefCount);

        Assert.Equal(-Errno.EFAULT, driver.Register(NewRange(1), At(0), At(1)));

        Assert.Equal(1, state.RefCount);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Registering_a_registered_range_again_is_a_programming_error(Signature signature)
    {
        var driver = new Driver(signature);
        var range = driver.RegisteredRange(2);
        int references = driver.State.RefCount;

        Assert.Throws<InvalidOperationException>(() => driver.Register(range, At(0), At(2)));

        Assert.Equal(references, driver.State.RefCount);
        Assert.True(range.Valid);
    }

    [Fact]
    public void Null_arguments_throw()
    {
        var driver = new Driver();
        var range = NewRange(1);

        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(null!, driver.Mirror!, 0, Page, HmmApi.PageShift));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(range, (HmmMirror)null!, 0, Page, HmmApi.PageShift));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(null!, driver.Mm, 0, Page, HmmApi.PageShift));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(range, (MmStruct)null!, 0, Page, HmmApi.PageShift));
        Assert.Equal(1, driver.State.RefCount);
    }
}
