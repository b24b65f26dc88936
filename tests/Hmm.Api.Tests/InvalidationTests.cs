using System.Diagnostics;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>CPU page table changes reach HMM through invalidate start/end: ranges invalid while
/// an invalidation is in progress, every mirror told, valid again when the last one ends.</summary>
public class InvalidationTests
{
    [Fact]
    public void Munmap_tells_every_mirror_while_the_overlapping_ranges_are_invalid()
    {
        var driver = new Driver();
        driver.Map(8);
        var secondOps = new RecordingOps();
        using var second = HmmMirror.Register(driver.Mm, secondOps);
        var inside = driver.RegisteredRange(2, first: 1);
        var outside = driver.RegisteredRange(2, first: 5);
        var seen = new List<(bool Inside, bool Outside)>();
        driver.Ops.OnSync = (_, _) =>
        {
            seen.Add((inside.Valid, outside.Valid));
            return 0;
        };

        Assert.Equal(0, driver.Mm.Munmap(At(0), 3 * Page));

        var expected = new HmmUpdate(At(0), At(3), HmmUpdateEvent.Invalidate, Blockable: true);
        Assert.Equal(expected, Assert.Single(driver.Ops.Updates));
        Assert.Equal(expected, Assert.Single(secondOps.Updates));
        Assert.Equal((false, true), Assert.Single(seen));
        Assert.True(inside.Valid); // valid again: no invalidation in progress
        Assert.Null(driver.Mm.FindVma(At(1)));
    }

    [Fact]
    public void An_update_ending_at_a_ranges_start_still_invalidates_it_as_in_the_kernel()
    {
        var driver = new Driver();
        driver.Map(8);
        var after = driver.RegisteredRange(2, first: 4);
        var before = driver.RegisteredRange(2, first: 0);
        var seen = new List<(bool After, bool Before)>();
        driver.Ops.OnSync = (_, _) =>
        {
            seen.Add((after.Valid, before.Valid));
            return 0;
        };

        // [At(2), At(4)) ends where `after` starts and starts where `before` ends.
        Assert.Equal(0, driver.Mm.Munmap(At(2), 2 * Page));

        Assert.Equal((false, true), Assert.Single(seen));
    }

    [Fact]
    public void Mprotect_invalidates_present_pages_only()
    {
        var driver = new Driver();
        driver.Map(4);
        Assert.Equal(0, driver.Mm.Mprotect(At(0), 4 * Page, VmFlags.Read));
        Assert.Empty(driver.Ops.Updates);

        Assert.Equal(0, driver.Mm.Mprotect(At(0), 4 * Page, VmFlags.Read | VmFlags.Write));
        Assert.Equal(0, driver.Mm.Touch(At(1), write: true));
        Assert.Equal(0, driver.Mm.Mprotect(At(0), 4 * Page, VmFlags.Read));

        Assert.Equal(new HmmUpdate(At(0), At(4), HmmUpdateEvent.Invalidate, true), Assert.Single(driver.Ops.Updates));
        Assert.False(driver.Mm.GetPage(At(1))!.Value.Writable);
    }

    [Fact]
    public void Migration_to_the_device_and_back_on_cpu_touch_invalidates_each_time()
    {
        // Selftest "migrate to device memory and back on CPU touch".
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        ulong systemPfn = driver.Mm.GetPage(At(0))!.Value.Pfn;

        Assert.Equal(2, driver.Mm.MigrateToDevice(At(0), 2 * Page));
        var device = driver.Mm.GetPage(At(0))!.Value;
        Assert.Equal((PageKind.DevicePrivate, true), (device.Kind, device.Writable));
        Assert.NotEqual(systemPfn, device.Pfn);
        // Already there; migrate_vma's collection still runs behind an invalidation.
        Assert.Equal(0, driver.Mm.MigrateToDevice(At(0), 2 * Page));

        Assert.Equal(0, driver.Mm.Touch(At(0), write: false));
        var back = driver.Mm.GetPage(At(0))!.Value;
        Assert.Equal((PageKind.Normal, true), (back.Kind, back.Writable));

        Assert.Equal(
            new[] { (At(0), At(2)), (At(0), At(2)), (At(0), At(1)) },
            driver.Ops.Updates.Select(u => (u.Start, u.End)).ToArray());
    }

    [Fact]
    public void Faulting_in_a_missing_page_needs_no_invalidation()
    {
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        Assert.Equal(0, driver.Mm.Touch(At(1), write: false));
        Assert.Empty(driver.Ops.Updates);
    }

    [Fact]
    public void Nested_invalidations_keep_ranges_invalid_until_the_last_one_ends()
    {
        var driver = new Driver();
        driver.Map(4);
        var range = driver.RegisteredRange(4);
        var state = driver.State;
        var update = new HmmUpdate(At(0), At(1), HmmUpdateEvent.Invalidate, true);

        Assert.Equal(0, state.InvalidateRangeStart(update));
        Assert.Equal(0, state.InvalidateRangeStart(update));
        state.InvalidateRangeEnd(update);
        Assert.False(range.Valid);
        Assert.Equal(1, state.Notifiers);

        state.InvalidateRangeEnd(update);
        Assert.True(range.Valid);
        Assert.Equal(0, state.Notifiers);
    }

    [Fact]
    public void Valid_means_no_invalidation_in_progress_now_not_unchanged_since_the_snapshot()
    {
        // The gap the kernel later closed with sequence counts: after an invalidation has come
        // and gone, the range is valid again though its snapshot is stale. A driver must check
        // valid under the lock its sync callback takes, and redo the snapshot on a callback.
        var driver = new Driver();
        driver.Map(1);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: false));
        var range = driver.RegisteredRange(1);
        Assert.Equal(1, driver.Snapshot(range));
        ulong snapshot = range.Pfns![0];

        Assert.Equal(0, driver.Mm.Touch(At(0), write: true)); // copy-on-write: a new page

        Assert.True(HmmApi.RangeValid(range));
        Assert.NotEqual(snapshot, driver.ExpectedEntry(0));
        Assert.Single(driver.Ops.Updates);
    }

    [Fact]
    public void Non_blockable_invalidation_with_a_cooperating_mirror_frees_the_pages()
    {
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        var range = driver.RegisteredRange(2);

        Assert.Equal(0, driver.Mm.OomReap());

        Assert.False(Assert.Single(driver.Ops.Updates).Blockable);
        Assert.Null(driver.Mm.GetPage(At(0)));
        Assert.True(range.Valid);
    }

    [Fact]
    public void Non_blockable_invalidation_refused_by_a_mirror_is_EAGAIN_with_the_count_balanced()
    {
        // "mm/hmm: Fix error flows in hmm_invalidate_range_start": the refused start undoes its
        // count, so the ranges it marked become valid again and their waiters wake.
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        var range = driver.RegisteredRange(2);
        driver.Ops.OnSync = (_, update) => update.Blockable ? 0 : -Errno.EAGAIN;

        Assert.Equal(-Errno.EAGAIN, driver.Mm.OomReap());

        Assert.NotNull(driver.Mm.GetPage(At(0))); // the reaper left the vma alone
        Assert.Equal(0, driver.State.Notifiers);
        Assert.True(range.Valid);
        Assert.True(HmmApi.RangeWaitUntilValid(range, TimeSpan.Zero));
    }

    [Fact]
    public void A_refusal_during_another_invalidation_leaves_the_ranges_invalid_until_that_one_ends()
    {
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(1), write: true));
        var range = driver.RegisteredRange(2);
        using (driver.BlockInvalidation(0))
        {
            driver.Ops.OnSync = (_, update) => update.Blockable ? 0 : -Errno.EAGAIN;
            Assert.Equal(-Errno.EAGAIN, driver.Mm.OomReap());
            Assert.Equal(1, driver.State.Notifiers);
            Assert.False(range.Valid);
        }
        Assert.Equal(0, driver.State.Notifiers);
        Assert.True(range.Valid);
    }

    [Fact]
    public void A_refusal_stops_at_the_refusing_mirror_and_the_older_ones_hear_nothing()
    {
        var driver = new Driver();
        driver.Map(1);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        var newer = new RecordingOps { OnSync = (_, update) => update.Blockable ? 0 : -Errno.EAGAIN };
        using var mirror = HmmMirror.Register(driver.Mm, newer);

        Assert.Equal(-Errno.EAGAIN, driver.Mm.OomReap());

        Assert.Single(newer.Updates);
        Assert.Empty(driver.Ops.Updates);
        Assert.Equal(0, driver.State.Notifiers);
    }

    [Fact]
    public void Mirrors_hear_of_an_update_newest_first()
    {
        // list_add puts a new mirror at the head of hmm->mirrors.
        var driver = new Driver();
        driver.Map(1);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: false));
        var heard = new List<string>();
        driver.Ops.OnSync = (_, _) => { heard.Add("first"); return 0; };
        using var second = HmmMirror.Register(driver.Mm, new RecordingOps { OnSync = (_, _) => { heard.Add("second"); return 0; } });
        using var third = HmmMirror.Register(driver.Mm, new RecordingOps { OnSync = (_, _) => { heard.Add("third"); return 0; } });

        Assert.Equal(0, driver.Mm.Touch(At(0), write: true)); // copy-on-write of the zero page

        Assert.Equal(["third", "second", "first"], heard);
    }

    [Fact]
    public void Non_blockable_invalidation_with_the_mirror_list_busy_is_EAGAIN()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        driver.State.MirrorsSem.DownWrite();
        try
        {
            Assert.Equal(-Errno.EAGAIN, driver.Mm.OomReap());
        }
        finally
        {
            driver.State.MirrorsSem.UpWrite();
        }
        Assert.Empty(driver.Ops.Updates);
        // The wart kept from the kernel at the change: the failed try-lock leaves the count raised.
        Assert.Equal(1, driver.State.Notifiers);
        Assert.False(range.Valid);
    }

    [Fact]
    public void Non_blockable_invalidation_with_the_lock_busy_is_EAGAIN_before_counting()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        var state = driver.State;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            lock (state.Lock)
            {
                held.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
        });
        holder.Start();
        Assert.True(held.Wait(TimeSpan.FromSeconds(10)));

        int ret = driver.Mm.OomReap();
        release.Set();
        holder.Join();

        Assert.Equal(-Errno.EAGAIN, ret);
        Assert.Equal(0, state.Notifiers);
        Assert.True(range.Valid);
        Assert.Empty(driver.Ops.Updates);
    }

    [Fact]
    public void The_oom_reaper_does_not_wait_for_mmap_sem()
    {
        var driver = new Driver();
        driver.Map(1);
        driver.Mm.MmapSem.DownWrite();
        var watch = Stopwatch.StartNew();
        Assert.Equal(-Errno.EAGAIN, driver.Mm.OomReap());
        driver.Mm.MmapSem.UpWrite();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }
}
