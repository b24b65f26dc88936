using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>hmm_range_fault: scenarios of the kernel's HMM selftests.</summary>
public class FaultTests
{
    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Anonymous_write_faults_the_pages_in_writable(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        var range = driver.RegisteredRange(4);
        range.DefaultFlags = Valid | Write;

        Assert.Equal(4, driver.Fault(range));

        for (int i = 0; i < 4; i++)
        {
            var pte = driver.Mm.GetPage(At(i))!.Value;
            Assert.Equal((PageKind.Normal, true), (pte.Kind, pte.Writable));
            Assert.Equal(Entry(pte.Pfn, Valid | Write), range.Pfns![i]);
        }
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Anonymous_read_of_untouched_memory_maps_the_zero_page(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        var range = driver.RegisteredRange(2);
        range.DefaultFlags = Valid;

        Assert.Equal(2, driver.Fault(range));

        Assert.Equal(new[] { Entry(MmStruct.ZeroPfn, Valid), Entry(MmStruct.ZeroPfn, Valid) }, range.Pfns);
        Assert.Equal(PageKind.Zero, driver.Mm.GetPage(At(1))!.Value.Kind);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Each_entry_carries_its_own_request_through_the_mask(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4);
        var range = driver.RegisteredRange(4);
        range.PfnFlagsMask = ulong.MaxValue;
        range.Pfns![1] = Valid;
        range.Pfns[3] = Valid | Write;

        Assert.Equal(4, driver.Fault(range));

        Assert.Equal(None, range.Pfns[0]);
        Assert.Null(driver.Mm.GetPage(At(0)));
        Assert.Equal(Entry(MmStruct.ZeroPfn, Valid), range.Pfns[1]);
        // The runtime's fault scope: page 2, asked for nothing, is not faulted in (the kernel
        // faulted a hole from its first page that needs it on).
        Assert.Equal(None, range.Pfns[2]);
        Assert.Null(driver.Mm.GetPage(At(2)));
        Assert.Equal(driver.ExpectedEntry(3), range.Pfns[3]);
        Assert.True(driver.Mm.GetPage(At(3))!.Value.Writable);
    }

    [Fact]
    public void Without_the_mask_the_entries_requests_are_ignored()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        range.PfnFlagsMask = 0;
        range.Pfns![0] = Valid | Write;

        Assert.Equal(1, driver.Fault(range));
        Assert.Null(driver.Mm.GetPage(At(0)));
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Read_of_a_read_only_mapping_succeeds_and_a_write_is_EPERM(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(4, VmFlags.Read);
        var range = driver.RegisteredRange(4);
        range.DefaultFlags = Valid;
        Assert.Equal(4, driver.Fault(range));

        range.PfnFlagsMask = ulong.MaxValue;
        range.DefaultFlags = 0;
        range.Pfns![2] = Valid | Write;
        Assert.Equal(-Errno.EPERM, driver.Fault(range));

        // Entries before the failure point keep what the walk wrote; from it on, None.
        Assert.Equal(Entry(MmStruct.ZeroPfn, Valid), range.Pfns[1]);
        Assert.Equal(new[] { None, None }, range.Pfns[2..]);
        Assert.Equal(PageKind.Zero, driver.Mm.GetPage(At(2))!.Value.Kind);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Write_to_a_read_only_mapping_works_after_mprotect(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        ulong pfn = driver.Mm.GetPage(At(0))!.Value.Pfn;
        Assert.Equal(0, driver.Mm.Mprotect(At(0), 2 * Page, VmFlags.Read));
        var range = driver.RegisteredRange(2);
        range.DefaultFlags = Valid | Write;
        Assert.Equal(-Errno.EPERM, driver.Fault(range));

        Assert.Equal(0, driver.Mm.Mprotect(At(0), 2 * Page, VmFlags.Read | VmFlags.Write));
        Assert.Equal(2, driver.Fault(range));

        Assert.Equal(Entry(pfn, Valid | Write), range.Pfns![0]); // the same page, now writable
        Assert.True(driver.Mm.GetPage(At(1))!.Value.Writable);
    }

    [Fact]
    public void A_write_to_the_zero_page_copies_it_behind_an_invalidation()
    {
        var driver = new Driver();
        driver.Map(1);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: false));
        var range = driver.RegisteredRange(1);
        range.DefaultFlags = Valid | Write;

        Assert.Equal(1, driver.Fault(range));

        var pte = driver.Mm.GetPage(At(0))!.Value;
        Assert.NotEqual(MmStruct.ZeroPfn, pte.Pfn);
        Assert.Equal(Entry(pte.Pfn, Valid | Write), range.Pfns![0]);
        Assert.Equal(new HmmUpdate(At(0), At(1), HmmUpdateEvent.Invalidate, true), Assert.Single(driver.Ops.Updates));
        Assert.True(range.Valid);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Device_private_pages_stay_on_the_device_unless_asked_for(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));
        Assert.Equal(2, driver.Mm.MigrateToDevice(At(0), 2 * Page));
        var range = driver.RegisteredRange(2);
        range.DefaultFlags = Valid | Write;

        Assert.Equal(2, driver.Fault(range));
        Assert.Equal(driver.ExpectedEntry(0), range.Pfns![0]);
        Assert.Equal(PageKind.DevicePrivate, driver.Mm.GetPage(At(0))!.Value.Kind);

        range.DefaultFlags = Valid | Write | DevicePrivate;
        Assert.Equal(2, driver.Fault(range));

        var pte = driver.Mm.GetPage(At(0))!.Value;
        Assert.Equal((PageKind.Normal, true), (pte.Kind, pte.Writable));
        Assert.Equal(Entry(pte.Pfn, Valid | Write), range.Pfns[0]);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Holes_and_io_vmas_are_EFAULT(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        driver.Map(1, VmFlags.Read | VmFlags.Io, at: 3);
        var hole = driver.RegisteredRange(3);
        hole.DefaultFlags = Valid;
        var io = driver.RegisteredRange(1, first: 3);
        io.DefaultFlags = Valid;

        Assert.Equal(-Errno.EFAULT, driver.Fault(hole));
        Assert.Equal(-Errno.EFAULT, driver.Fault(io));
        Assert.Equal(Entry(MmStruct.ZeroPfn, Valid), hole.Pfns![1]); // faulted before the hole
    }

    [Fact]
    public void A_special_page_is_EFAULT_and_the_rest_is_cleared()
    {
        var driver = new Driver();
        driver.Map(3);
        driver.Mm.InsertSpecialPage(At(1));
        var range = driver.RegisteredRange(3);
        range.DefaultFlags = Valid;
        range.Pfns![2] = 0x77;

        Assert.Equal(-Errno.EFAULT, driver.Fault(range));
        Assert.Equal(new[] { Entry(MmStruct.ZeroPfn, Valid), None, None }, range.Pfns);
    }

    [Fact]
    public void A_write_request_on_a_read_only_special_page_is_EFAULT_with_an_error_entry_cleared()
    {
        var driver = new Driver();
        driver.Map(1);
        driver.Mm.InsertSpecialPage(At(0));
        var range = driver.RegisteredRange(1);
        range.DefaultFlags = Valid | Write;

        Assert.Equal(-Errno.EFAULT, driver.Fault(range));
        Assert.Equal(None, range.Pfns![0]);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void An_invalid_range_is_EAGAIN_with_mmap_sem_released(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(2);
        var range = driver.RegisteredRange(2);
        range.DefaultFlags = Valid;
        using var blocked = driver.BlockInvalidation(page: 0);

        driver.Mm.MmapSem.DownRead();
        int readers = driver.Mm.MmapSem.Readers;
        Assert.Equal(-Errno.EAGAIN, HmmApi.RangeFault(range, block: false));
        Assert.Equal(readers - 1, driver.Mm.MmapSem.Readers);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void An_invalidation_starting_during_the_fault_makes_it_EBUSY(Signature signature)
    {
        // Page 0 is the zero page: the write fault copies it, behind an invalidation. While
        // that runs, another CPU thread starts a second invalidation (a copy of page 2) and
        // holds it: when the fault's own invalidation ends the range is still invalid.
        var driver = new Driver(signature);
        driver.Map(4);
        var range = driver.RegisteredRange(4);
        range.DefaultFlags = Valid | Write;
        var second = new InvalidationDuringFault(driver, ownPage: 0, otherPage: 2);

        long ret = driver.Fault(range);
        bool validDuring = range.Valid;
        second.Dispose();

        Assert.Equal(-Errno.EBUSY, ret);
        Assert.False(validDuring);
        Assert.Equal(new[] { None, None, None, None }, range.Pfns); // cleared from the failure point
        Assert.True(range.Valid);
        Assert.Equal(4, driver.Fault(range)); // the driver waits and retries
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void After_exit_is_EFAULT(Signature signature)
    {
        var driver = new Driver(signature);
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        driver.Mm.Exit();

        Assert.Equal(-Errno.EFAULT, driver.Fault(range));
        Assert.Equal(-Errno.EFAULT, driver.Fault(range, block: false));
    }

    [Fact]
    public void Fault_needs_a_registered_range_and_mmap_sem()
    {
        var driver = new Driver();
        driver.Map(1);
        var range = NewRange(1);
        Assert.Throws<InvalidOperationException>(() => driver.Fault(range));
        Assert.Equal(0, driver.Register(range, At(0), At(1)));

        Assert.Throws<InvalidOperationException>(() => HmmApi.RangeFault(range, true));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeFault(null!, true));
    }
}
