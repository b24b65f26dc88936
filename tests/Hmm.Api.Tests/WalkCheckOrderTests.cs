using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>The order of hmm_range_snapshot's and hmm_range_fault's checks: dead, (the model's
/// array check), then per vma: valid, vma, page shift, read permission.</summary>
public class WalkCheckOrderTests
{
    public static TheoryData<bool> SnapshotOrFault => new() { false, true };

    private static long Walk(Driver driver, HmmRange range, bool fault) =>
        fault ? driver.Fault(range) : driver.Snapshot(range);

    [Theory, MemberData(nameof(SnapshotOrFault))]
    public void Invalid_comes_before_a_missing_vma(bool fault)
    {
        var driver = new Driver();
        driver.Map(1, at: 3);
        var range = driver.RegisteredRange(3, first: 1); // starts in a hole
        using var blocked = driver.BlockInvalidation(page: 3);

        Assert.Equal(-Errno.EAGAIN, Walk(driver, range, fault));
    }

    [Theory, MemberData(nameof(SnapshotOrFault))]
    public void A_missing_vma_comes_before_the_page_shift(bool fault)
    {
        var driver = new Driver();
        var range = NewRange(1);
        Assert.Equal(0, driver.Register(range, 1UL << 21, 2UL << 21, 21));
        Assert.Equal(-Errno.EFAULT, Walk(driver, range, fault));
    }

    [Theory, MemberData(nameof(SnapshotOrFault))]
    public void The_page_shift_comes_before_the_read_permission(bool fault)
    {
        var driver = new Driver();
        driver.Mm.Mmap(1UL << 21, 1UL << 21, VmFlags.None);
        var range = NewRange(1);
        Assert.Equal(0, driver.Register(range, 1UL << 21, 2UL << 21, 21));
        Assert.Equal(-Errno.EINVAL, Walk(driver, range, fault));
    }

    [Theory, MemberData(nameof(SnapshotOrFault))]
    public void No_read_permission_is_EPERM_with_every_entry_cleared(bool fault)
    {
        var driver = new Driver();
        driver.Map(1);
        driver.Map(1, VmFlags.None, at: 1);
        var range = driver.RegisteredRange(2);
        range.DefaultFlags = Valid;
        range.Pfns![1] = 0x77;

        Assert.Equal(-Errno.EPERM, Walk(driver, range, fault));
        Assert.Equal(new[] { None, None }, range.Pfns); // from the range's start, not the vma's
    }

    [Theory, MemberData(nameof(SnapshotOrFault))]
    public void Dead_comes_before_everything(bool fault)
    {
        var driver = new Driver();
        var range = driver.RegisteredRange(2, first: 2); // nothing mapped there either
        range.Pfns = null;
        driver.Mm.Exit();

        Assert.Equal(-Errno.EFAULT, Walk(driver, range, fault));
    }
}
