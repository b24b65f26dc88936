using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>hmm_range_snapshot: the CPU page table as device entries, without faulting.</summary>
public class SnapshotTests
{
    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Anonymous_read_reports_present_pages_read_only(Signature signature)
    {
        // Selftest "anonymous read": the CPU writes the pages, makes them read-only, the device reads.
        var driver = new Driver(signature);
        driver.Map(4);
        for (int i = 0; i < 4; i++)
            Assert.Equal(0, driver.Mm.Touch(At(i), write: true));
        Assert.Equal(0, driver.Mm.Mprotect(At(0), 4 * Page, VmFlags.Read));
        var range = driver.RegisteredRange(4);

        Assert.Equal(4, driver.Snapshot(range));

        for (int i = 0; i < 4; i++)
        {
            var pte = driver.Mm.GetPage(At(i))!.Value;
            Assert.Equal(Entry(pte.Pfn, Valid), range.Pfns![i]);
        }
        Assert.Same(driver.Mm.FindVma(At(0)), range.Vma);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Writable_zero_device_private_and_missing_pages_each_get_their_encoding(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        Assert.Equal(0, driver.Mm.Touch(At(1), write: false));
        Assert.Equal(0, driver.Mm.Touch(At(2), write: true));
        Assert.Equal(1, driver.Mm.MigrateToDevice(At(2), Page));
        var range = driver.RegisteredRange(4);

        Assert.Equal(4, driver.Snapshot(range));

        Assert.Equal(Entry(driver.Mm.GetPage(At(0))!.Value.Pfn, Valid | Write), range.Pfns![0]);
        Assert.Equal(Entry(MmStruct.ZeroPfn, Valid), range.Pfns[1]);
        Assert.Equal(Entry(driver.Mm.GetPage(At(2))!.Value.Pfn, Valid | Write | DevicePrivate), range.Pfns[2]);
        Assert.Equal(None, range.Pfns[3]);
        Assert.Null(driver.Mm.GetPage(At(3))); // a snapshot never faults
    }

    [Fact]
    public void The_driver_chooses_the_encoding()
    {
        var driver = new Driver();
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        var range = driver.RegisteredRange(2);
        range.Flags = new[] { 1UL << 63, 1UL << 62, 1UL << 61 };
        range.Values = new[] { 0xEEUL, 0xAAUL, 0x55UL };
        range.PfnShift = 0;

        Assert.Equal(2, driver.Snapshot(range));

        Assert.Equal(driver.Mm.GetPage(At(0))!.Value.Pfn | (1UL << 63) | (1UL << 62), range.Pfns![0]);
        Assert.Equal(0xAAUL, range.Pfns[1]);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_range_over_several_vmas_is_walked_vma_by_vma(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        Assert.Equal(0, driver.Mm.Mprotect(At(2), 2 * Page, VmFlags.Read)); // splits the vma
        Assert.Equal(0, driver.Mm.Touch(At(3), write: false));
        var range = driver.RegisteredRange(4);

        Assert.Equal(4, driver.Snapshot(range));

        Assert.Equal(Entry(MmStruct.ZeroPfn, Valid), range.Pfns![3]);
        Assert.Same(driver.Mm.FindVma(At(3)), range.Vma); // the last vma walked
        Assert.NotSame(driver.Mm.FindVma(At(0)), range.Vma);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Unmapped_hole_or_partially_unmapped_range_is_EFAULT(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        Assert.Equal(0, driver.Mm.Munmap(At(2), Page));
        var range = driver.RegisteredRange(4);
        range.Pfns![3] = 0x77;

        Assert.Equal(-Errno.EFAULT, driver.Snapshot(range));

        Assert.Equal(driver.ExpectedEntry(0), range.Pfns[0]); // walked before the hole
        Assert.Equal(0x77UL, range.Pfns[3]); // not reached
        var empty = NewRange(1);
        Assert.Equal(0, driver.Register(empty, At(10), At(11)));
        Assert.Equal(-Errno.EFAULT, driver.Snapshot(empty));
    }

    [Theory]
    [InlineData(VmFlags.Read | VmFlags.Io)]
    [InlineData(VmFlags.Read | VmFlags.Write | VmFlags.PfnMap)]
    public void Io_and_pfnmap_vmas_are_EFAULT(VmFlags flags)
    {
        var driver = new Driver();
        driver.Map(2, flags);
        Assert.Equal(PageKind.Special, driver.Mm.GetPage(At(0))!.Value.Kind);
        var range = driver.RegisteredRange(2);
        range.Pfns![0] = 0x77;

        Assert.Equal(-Errno.EFAULT, driver.Snapshot(range));
        Assert.Equal(0x77UL, range.Pfns[0]);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_vma_without_read_permission_is_EPERM_with_every_entry_cleared(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        Assert.Equal(0, driver.Mm.Mprotect(At(0), 2 * Page, VmFlags.None));
        var range = driver.RegisteredRange(2);
        range.Pfns![0] = range.Pfns[1] = 0x77;

        Assert.Equal(-Errno.EPERM, driver.Snapshot(range));
        Assert.Equal(new[] { None, None }, range.Pfns);
    }

    [Fact]
    public void A_special_page_in_an_ordinary_vma_ends_that_vmas_walk_but_not_the_snapshot()
    {
        // The kernel's snapshot ignores the walk's -EFAULT: the special page reads SPECIAL, the
        // rest of that vma keeps its old entries, and the count stops at the special page.
        var driver = new Driver();
        driver.Map(4);
        driver.Mm.InsertSpecialPage(At(2));
        var range = driver.RegisteredRange(4);
        range.Pfns![3] = 0x77;

        Assert.Equal(2, driver.Snapshot(range));

        Assert.Equal(new[] { None, None, Special, 0x77UL }, range.Pfns);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void An_invalid_range_is_EAGAIN_and_mmap_sem_stays_held(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        var range = driver.RegisteredRange(4);
        using var blocked = driver.BlockInvalidation(page: 1);

        driver.Mm.MmapSem.DownRead();
        Assert.Equal(-Errno.EAGAIN, HmmApi.RangeSnapshot(range));
        driver.Mm.MmapSem.UpRead();
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_huge_page_shift_is_EINVAL_without_hugetlb_vmas(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Mm.Mmap(1UL << 21, 1UL << 21, VmFlags.Read);
        var range = NewRange(1);
        Assert.Equal(0, driver.Register(range, 1UL << 21, 2UL << 21, 21));

        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
    }

    [Fact]
    public void Snapshot_needs_a_registered_range_and_mmap_sem()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = NewRange(1);
        Assert.Throws<InvalidOperationException>(() => driver.Snapshot(range));
        Assert.Equal(0, driver.Register(range, At(0), At(1)));

        Assert.Throws<InvalidOperationException>(() => HmmApi.RangeSnapshot(range));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeSnapshot(null!));
        Assert.Equal(1, driver.Snapshot(range));
    }
}
