using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>Bad input gets its errno or a clear exception, and leaves every count as it was.</summary>
public class BadInputTests
{
    private static (Driver Driver, HmmRange Range, int References) Registered(int pages)
    {
        var driver = new Driver();
        driver.Map(pages);
        var range = driver.RegisteredRange(pages);
        return (driver, range, driver.State.RefCount);
    }

    [Fact]
    public void Missing_or_short_pfns_array_is_EINVAL()
    {
        // The kernel trusts the driver and overruns the array; the model refuses it.
        var (driver, range, references) = Registered(4);

        range.Pfns = null;
        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
        range.Pfns = new ulong[3];
        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
        Assert.Equal(-Errno.EINVAL, driver.Fault(range));

        Assert.Equal(references, driver.State.RefCount);
        Assert.True(range.Valid);
        range.Pfns = new ulong[5];
        Assert.Equal(4, driver.Snapshot(range));
    }

    [Fact]
    public void Short_flags_or_values_arrays_and_pfn_shifts_out_of_range_are_EINVAL()
    {
        var (driver, range, _) = Registered(1);

        range.Flags = new ulong[] { 1, 2 };
        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
        range.Flags = new ulong[] { 1, 2, 4 };
        range.Values = new ulong[] { 0, 0 };
        Assert.Equal(-Errno.EINVAL, driver.Fault(range));
        range.Values = new ulong[] { 9, 0, 8 };
        range.PfnShift = 64;
        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
        range.PfnShift = -1;
        Assert.Equal(-Errno.EINVAL, driver.Snapshot(range));
        range.PfnShift = 0;
        Assert.Equal(1, driver.Snapshot(range));
        Assert.Throws<ArgumentNullException>(() => range.Flags = null!);
        Assert.Throws<ArgumentNullException>(() => range.Values = null!);
    }

    [Fact]
    public void The_exit_check_comes_before_the_array_check()
    {
        var (driver, range, _) = Registered(2);
        range.Pfns = null;
        driver.Mm.Exit();
        Assert.Equal(-Errno.EFAULT, driver.Snapshot(range));
    }

    [Fact]
    public void Double_unregister_of_a_range_is_harmless_and_of_a_mirror_throws()
    {
        var (driver, range, references) = Registered(1);

        HmmApi.RangeUnregister(range);
        HmmApi.RangeUnregister(range);
        Assert.Equal(references - 1, driver.State.RefCount);

        HmmApi.MirrorUnregister(driver.Mirror!);
        Assert.Throws<InvalidOperationException>(() => HmmApi.MirrorUnregister(driver.Mirror!));
        Assert.Equal(driver.Mm.HmmStatesCreated, driver.Mm.HmmStatesFreed);
    }

    [Fact]
    public void Every_function_rejects_null()
    {
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeUnregister(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeSnapshot(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeFault(null!, false));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeWaitUntilValid(null!, TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => HmmApi.RangeValid(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaRangeDone(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.MirrorUnregister(null!));
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaFault(null!, false));
        Assert.Equal(-Errno.EINVAL, HmmApi.MirrorRegister(null!, null!));
        Assert.False(HmmApi.MirrorMmIsAlive(null!));
    }

    [Fact]
    public void Misaligned_empty_and_overlapping_mappings_are_rejected()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), 2 * Page, VmFlags.Read);

        Assert.Throws<ArgumentException>(() => mm.Mmap(At(4) + 1, Page, VmFlags.Read));
        Assert.Throws<ArgumentException>(() => mm.Mmap(At(4), 0, VmFlags.Read));
        Assert.Throws<ArgumentException>(() => mm.Mmap(At(1), 2 * Page, VmFlags.Read));
        Assert.Throws<ArgumentException>(() => mm.Mmap(ulong.MaxValue - Page + 1, 2 * Page, VmFlags.Read));
        Assert.Throws<ArgumentException>(() => mm.Mmap(At(4), Page, (VmFlags)64));
        Assert.Equal(-Errno.EINVAL, mm.Munmap(At(0) + 8, Page));
        Assert.Equal(-Errno.EINVAL, mm.Munmap(At(0), 0));
        Assert.Equal(-Errno.EINVAL, mm.Mprotect(At(0) + 8, Page, VmFlags.Read));
        Assert.Equal(-Errno.EINVAL, mm.Mprotect(At(0), Page, VmFlags.Io));
        Assert.Equal(-Errno.ENOMEM, mm.Mprotect(At(0), 3 * Page, VmFlags.Read));
        Assert.Equal(0, mm.Mprotect(At(0), 0, VmFlags.Read));
        Assert.Equal(-Errno.EINVAL, mm.MigrateToDevice(At(0) + 8, Page));
        Assert.Equal(-Errno.EFAULT, mm.MigrateToDevice(At(0), 3 * Page));
        Assert.Equal(VmFlags.Read, mm.FindVma(At(0))!.Flags);
    }
}
