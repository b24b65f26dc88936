using System.Diagnostics;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>hmm_range_wait_until_valid, hmm_range_valid and hmm_vma_range_done.</summary>
public class WaitUntilValidTests
{
    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_valid_range_returns_true_at_once(Signature signature)
    {
        var driver = new Driver(signature);
        var range = driver.RegisteredRange(1);
        Assert.True(HmmApi.RangeWaitUntilValid(range, TimeSpan.Zero));
    }

    [Fact]
    public void An_unregistered_range_is_false_and_made_invalid()
    {
        var driver = new Driver();
        var range = driver.RegisteredRange(1);
        HmmApi.RangeUnregister(range);

        Assert.False(HmmApi.RangeWaitUntilValid(range, TimeSpan.FromSeconds(5)));
        Assert.False(HmmApi.RangeWaitUntilValid(NewRange(1), TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeWaitUntilValid(null!, TimeSpan.Zero));
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Times_out_while_an_invalidation_is_in_progress(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        var range = driver.RegisteredRange(2);
        using var blocked = driver.BlockInvalidation(page: 0);

        var watch = Stopwatch.StartNew();
        Assert.False(HmmApi.RangeWaitUntilValid(range, TimeSpan.FromMilliseconds(50)));
        Assert.True(watch.ElapsedMilliseconds >= 45, $"returned after {watch.ElapsedMilliseconds} ms");
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Wakes_when_the_last_invalidation_ends(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        var range = driver.RegisteredRange(2);
        var blocked = driver.BlockInvalidation(page: 0);
        bool? result = null;
        var waiter = new Thread(() => result = HmmApi.RangeWaitUntilValid(range, TimeSpan.FromSeconds(30)));
        waiter.Start();
        Thread.Sleep(50);
        Assert.True(waiter.IsAlive);

        var watch = Stopwatch.StartNew();
        blocked.Dispose();

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.True(result);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(0, blocked.Result);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Range_done_returns_valid_and_unregisters(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        using var observer = HmmMirror.Register(driver.Mm, new RecordingOps());
        var state = driver.State;
        int references = state.RefCount;
        var range = driver.RegisteredRange(2);

        Assert.True(HmmApi.VmaRangeDone(range));
        Assert.Equal(references, state.RefCount);
        Assert.False(range.Valid);

        var second = driver.RegisteredRange(2);
        using (driver.BlockInvalidation(page: 1))
            Assert.False(HmmApi.VmaRangeDone(second));
        Assert.Equal(references, state.RefCount);
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaRangeDone(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeValid(null!));
    }

    [Fact]
    public void Unregister_makes_the_range_invalid_and_a_second_unregister_does_nothing()
    {
        var driver = new Driver();
        var range = driver.RegisteredRange(1);
        Assert.Equal(2, driver.State.RefCount);

        HmmApi.RangeUnregister(range);
        HmmApi.RangeUnregister(range);

        Assert.False(HmmApi.RangeValid(range));
        Assert.Equal(1, driver.State.RefCount);
        Assert.Equal(0, driver.State.RangeCount);
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeUnregister(null!));
    }

    [Fact]
    public void Unregister_skips_a_range_whose_end_was_moved_before_its_start_as_the_kernel_does()
    {
        var driver = new Driver();
        var range = driver.RegisteredRange(1);
        range.End = range.Start;

        HmmApi.RangeUnregister(range);

        Assert.Equal(1, driver.State.RangeCount); // still registered, still holding its reference
        Assert.Equal(2, driver.State.RefCount);
        range.End = At(1);
        HmmApi.RangeUnregister(range);
        Assert.Equal(1, driver.State.RefCount);
    }

    [Fact]
    public void An_infinite_timeout_waits_until_the_invalidation_ends()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        var blocked = driver.BlockInvalidation(page: 0);
        bool? result = null;
        var waiter = new Thread(() => result = HmmApi.RangeWaitUntilValid(range, Timeout.InfiniteTimeSpan));
        waiter.Start();
        Assert.False(waiter.Join(100));

        blocked.Dispose();

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.True(result);
    }
}
