using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>The per-mm state's reference count: a registered mirror and each registered range
/// hold one, each notifier call holds one while it runs; freed and unhooked exactly once.</summary>
public class LifetimeTests
{
    [Fact]
    public void A_range_keeps_the_state_alive_after_its_mirror_is_gone()
    {
        var driver = new Driver();
        driver.Map(2);
        var range = driver.RegisteredRange(2);
        var state = driver.State;

        HmmApi.MirrorUnregister(driver.Mirror!);

        Assert.Same(state, driver.Mm.Hmm);
        Assert.Equal(1, state.RefCount);
        Assert.Equal(0, state.MirrorCount);
        Assert.Equal(0, driver.Mm.Munmap(At(0), Page)); // still hooked: the range hears of it
        Assert.True(range.Valid);
        Assert.Empty(driver.Ops.Updates);

        HmmApi.RangeUnregister(range);
        Assert.Equal(1, state.FreeCount);
        Assert.Null(driver.Mm.Hmm);
    }

    [Fact]
    public void Each_notifier_call_holds_a_reference_while_it_runs()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        int during = 0;
        driver.Ops.OnSync = (mirror, _) =>
        {
            during = mirror.Hmm!.RefCount;
            return 0;
        };
        int releaseDuring = 0;
        driver.Ops.OnRelease = mirror => releaseDuring = mirror.Hmm!.RefCount;

        Assert.Equal(0, driver.Mm.Munmap(At(0), Page));
        driver.Mm.Exit();

        Assert.Equal(3, during);
        Assert.Equal(3, releaseDuring);
        Assert.Equal(2, range.Hmm!.RefCount);
    }

    [Fact]
    public void Legacy_and_mirror_ranges_of_one_mm_share_its_state()
    {
        var driver = new Driver();
        var legacy = NewRange(1);
        Assert.Equal(0, HmmApi.RangeRegister(legacy, driver.Mm, At(0), At(1), HmmApi.PageShift));
        var mirrored = driver.RegisteredRange(1);

        Assert.Same(legacy.Hmm, mirrored.Hmm);
        Assert.Equal(3, driver.State.RefCount);
        Assert.Equal(1, driver.Mm.HmmStatesCreated);
    }

    [Fact]
    public void After_the_last_reference_a_new_state_is_created_and_hooked()
    {
        var driver = new Driver(Signature.Legacy);
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        var first = driver.State;
        HmmApi.RangeUnregister(range);

        Assert.Equal(0, driver.Register(range, At(0), At(1)));
        var second = driver.State;
        var ops = new RecordingOps();
        using var mirror = HmmMirror.Register(driver.Mm, ops);
        Assert.Equal(0, driver.Mm.Munmap(At(0), Page));

        Assert.NotSame(first, second);
        Assert.Equal((2, 1), (driver.Mm.HmmStatesCreated, driver.Mm.HmmStatesFreed));
        Assert.Equal(1, first.FreeCount);
        Assert.Single(ops.Updates);
        HmmApi.RangeUnregister(range);
    }
}
