using System.Diagnostics;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>hmm_vma_fault, the temporary helper, with the mirror and in its legacy form: each
/// step and each way out, with what happens to the range and to mmap_sem.</summary>
public class VmaFaultTests
{
    private static HmmRange WindowOf(Driver driver, Vma vma, int pages, ulong request)
    {
        var range = NewRange(pages);
        range.Vma = vma;
        range.Start = vma.Start;
        range.End = vma.Start + (ulong)pages * Page;
        Array.Fill(range.Pfns!, request);
        return range;
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Success_leaves_the_range_registered_for_range_done(Signature signature)
    {
        var driver = new Driver(signature);
        var range = WindowOf(driver, driver.Map(4), 4, Valid | Write);
        range.DefaultFlags = Valid; // overwritten: the entries carry the requests
        range.PfnFlagsMask = 0;

        driver.Mm.MmapSem.DownRead();
        Assert.Equal(0, driver.VmaFault(range));

        Assert.Equal(1, driver.Mm.MmapSem.Readers);
        Assert.Equal((0UL, ulong.MaxValue), (range.DefaultFlags, range.PfnFlagsMask));
        Assert.Equal(Enumerable.Range(0, 4).Select(driver.ExpectedEntry), range.Pfns!);
        Assert.True(driver.Mm.GetPage(At(3))!.Value.Writable);
        Assert.Equal(1, driver.State.RangeCount);

        Assert.True(HmmApi.VmaRangeDone(range));
        driver.Mm.MmapSem.UpRead();
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
        Assert.Equal(driver.Mirror is null ? 0 : 1, driver.Mm.Hmm?.RefCount ?? 0);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_registration_error_is_returned_as_is_with_mmap_sem_held(Signature signature)
    {
        var driver = new Driver(signature);
        var range = WindowOf(driver, driver.Map(4), 4, Valid);
        range.Start += 8;

        driver.Mm.MmapSem.DownRead();
        Assert.Equal(-Errno.EINVAL, driver.VmaFault(range));
        Assert.Equal(1, driver.Mm.MmapSem.Readers);
        driver.Mm.MmapSem.UpRead();
        Assert.Null(range.Hmm);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void After_exit_is_EFAULT_from_the_registration(Signature signature)
    {
        var driver = new Driver(signature);
        var range = WindowOf(driver, driver.Map(1), 1, Valid);
        driver.Mm.Exit();

        driver.Mm.MmapSem.DownRead();
        Assert.Equal(-Errno.EFAULT, driver.VmaFault(range));
        driver.Mm.MmapSem.UpRead();
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_fault_error_unregisters_the_range_and_keeps_mmap_sem_held(Signature signature)
    {
        var driver = new Driver(signature);
        var readOnly = WindowOf(driver, driver.Map(2, VmFlags.Read), 2, Valid | Write);
        var hole = WindowOf(driver, driver.Map(1, at: 4), 2, Valid);

        driver.Mm.MmapSem.DownRead();
        Assert.Equal(-Errno.EPERM, driver.VmaFault(readOnly));
        Assert.Equal(-Errno.EFAULT, driver.VmaFault(hole));
        Assert.Equal(1, driver.Mm.MmapSem.Readers);
        driver.Mm.MmapSem.UpRead();

        Assert.Null(readOnly.Hmm);
        Assert.Null(hole.Hmm);
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void An_EBUSY_fault_is_EBUSY_with_mmap_sem_released_and_the_range_unregistered(Signature signature)
    {
        var driver = new Driver(signature);
        var range = WindowOf(driver, driver.Map(4), 4, Valid | Write);
        var second = new InvalidationDuringFault(driver, ownPage: 0, otherPage: 2);

        driver.Mm.MmapSem.DownRead();
        int ret = driver.VmaFault(range);
        second.Dispose();

        Assert.Equal(-Errno.EBUSY, ret);
        Assert.Equal(0, driver.Mm.MmapSem.Readers); // ours was released, the CPU fault's too
        Assert.Null(range.Hmm);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void A_wait_timeout_is_EAGAIN_with_mmap_sem_released_and_the_range_left_registered(Signature signature)
    {
        // The wart of that version: the -EAGAIN path returns before unregistering.
        var driver = new Driver(signature);
        var range = WindowOf(driver, driver.Map(2), 2, Valid);
        using var blocked = driver.BlockInvalidation(page: 1);
        var state = driver.State;
        int references = state.RefCount;

        driver.Mm.MmapSem.DownRead();
        var watch = Stopwatch.StartNew();
        int ret = driver.VmaFault(range);

        Assert.Equal(-Errno.EAGAIN, ret);
        Assert.True(watch.Elapsed >= HmmApi.DefaultTimeout - TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, driver.Mm.MmapSem.Readers); // only the blocked CPU fault's hold is left
        Assert.Same(state, range.Hmm);
        Assert.Equal(references + 1, state.RefCount);
        Assert.Throws<InvalidOperationException>(() => driver.VmaFault(range));

        HmmApi.RangeUnregister(range);
        Assert.Equal(references, state.RefCount);
    }

    [Fact]
    public void Programming_errors_throw()
    {
        var driver = new Driver();
        var vma = driver.Map(1);
        var range = WindowOf(driver, vma, 1, Valid);
        var unregistered = new HmmMirror(new RecordingOps());

        Assert.Throws<InvalidOperationException>(() => HmmApi.VmaFault(unregistered, range, true));
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaFault(null!, range, true));
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaFault(driver.Mirror!, null!, true));
        Assert.Throws<ArgumentNullException>(() => HmmApi.VmaFault(null!, true));
        range.Vma = null;
        Assert.Throws<ArgumentException>(() => HmmApi.VmaFault(driver.Mirror!, range, true));
        Assert.Throws<ArgumentException>(() => HmmApi.VmaFault(range, true));
        Assert.Equal(1, driver.State.RefCount);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Nouveau_fault_handler_retries_when_range_done_says_invalid(Signature signature)
    {
        // nouveau_svm.c: under mmap_sem, fault the window; on success take svmm->mutex and
        // `if (!hmm_vma_range_done(&range))` unlock and retry (again:), else program the GPU.
        var driver = new Driver(signature);
        var vma = driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(1), write: false));
        var svmmMutex = new object();
        var gpuPageTable = new Dictionary<ulong, ulong>();
        int attempts = 0;
        BlockedInvalidation? blocked = null;

        while (true) // again:
        {
            attempts++;
            var range = WindowOf(driver, vma, 2, Valid);
            driver.Mm.MmapSem.DownRead();
            Assert.Equal(0, driver.VmaFault(range));
            if (attempts == 1)
                blocked = driver.BlockInvalidation(page: 1); // the CPU writes page 1 meanwhile
            Monitor.Enter(svmmMutex);
            if (!HmmApi.VmaRangeDone(range))
            {
                Monitor.Exit(svmmMutex);
                driver.Mm.MmapSem.UpRead();
                blocked!.Dispose();
                continue;
            }
            for (int i = 0; i < 2; i++)
                gpuPageTable[At(i)] = range.Pfns![i];
            Monitor.Exit(svmmMutex);
            driver.Mm.MmapSem.UpRead();
            break;
        }

        Assert.Equal(2, attempts);
        Assert.Equal(driver.ExpectedEntry(1), gpuPageTable[At(1)]); // the copied page, not the zero page
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
    }
}
