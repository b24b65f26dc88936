using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>Documentation/vm/hmm.rst, driver_populate_range: register, take mmap_sem,
/// <c>again:</c> wait until valid, snapshot, take the driver's update lock, check valid, program
/// the device, unregister.</summary>
public class UsagePatternTests
{
    private sealed class Device
    {
        public readonly object UpdateLock = new();
        public readonly Dictionary<ulong, ulong> PageTable = new();
        public int Attempts;

        // sync_cpu_device_pagetables: under the update lock, forget what the update covers.
        public int Sync(HmmUpdate update)
        {
            lock (UpdateLock)
            {
                foreach (var address in PageTable.Keys.Where(a => a >= update.Start && a < update.End).ToList())
                    PageTable.Remove(address);
            }
            return 0;
        }
    }

    private static int PopulateRange(Driver driver, Device device, ulong start, ulong end, Action<int> afterSnapshot)
    {
        var range = NewRange((int)((end - start) / Page));
        int ret = driver.Register(range, start, end);
        if (ret != 0)
            return ret;

        driver.Mm.MmapSem.DownRead();
    again:
        device.Attempts++;
        if (!HmmApi.RangeWaitUntilValid(range, TimeSpan.FromSeconds(10)))
        {
            driver.Mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return -Errno.EBUSY;
        }
        long snapshot = HmmApi.RangeSnapshot(range);
        if (snapshot < 0)
        {
            if (snapshot == -Errno.EAGAIN)
                goto again;
            driver.Mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return (int)snapshot;
        }
        afterSnapshot(device.Attempts);

        Monitor.Enter(device.UpdateLock);
        if (!HmmApi.RangeValid(range))
        {
            Monitor.Exit(device.UpdateLock);
            goto again;
        }
        for (ulong address = start; address < end; address += Page)
            device.PageTable[address] = range.Pfns![(address - start) / Page];
        HmmApi.RangeUnregister(range);
        Monitor.Exit(device.UpdateLock);
        driver.Mm.MmapSem.UpRead();
        return 0;
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Populates_the_device_page_table_in_one_pass_when_nothing_changes(Signature signature)
    {
        var driver = new Driver(signature);
        var device = new Device();
        driver.Ops.OnSync = (_, update) => device.Sync(update);
        driver.Map(3);
        Assert.Equal(0, driver.Mm.Touch(At(0), write: true));

        Assert.Equal(0, PopulateRange(driver, device, At(0), At(3), _ => { }));

        Assert.Equal(1, device.Attempts);
        Assert.Equal(driver.ExpectedEntry(0), device.PageTable[At(0)]);
        Assert.Equal(None, device.PageTable[At(2)]);
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Goes_again_when_an_invalidation_starts_between_snapshot_and_update_lock(Signature signature)
    {
        var driver = new Driver(signature);
        var device = new Device();
        driver.Ops.OnSync = (_, update) => device.Sync(update);
        driver.Map(2);
        Assert.Equal(0, driver.Mm.Touch(At(1), write: false));
        Thread? ending = null;

        int ret = PopulateRange(driver, device, At(0), At(2), attempt =>
        {
            if (attempt != 1)
                return;
            var blocked = driver.BlockInvalidation(page: 1); // the CPU writes page 1
            ending = new Thread(() =>
            {
                Thread.Sleep(50);
                blocked.Dispose();
            });
            ending.Start();
        });
        Assert.True(ending!.Join(TimeSpan.FromSeconds(10)));

        Assert.Equal(0, ret);
        Assert.Equal(2, device.Attempts);
        Assert.Equal(driver.ExpectedEntry(1), device.PageTable[At(1)]);
        Assert.NotEqual(Entry(MmStruct.ZeroPfn, Valid), device.PageTable[At(1)]);
    }

    [Theory, MemberData(nameof(Signatures.Both), MemberType = typeof(Signatures))]
    public void Gives_up_with_the_snapshot_error_and_unregisters(Signature signature)
    {
        var driver = new Driver(signature);
        var device = new Device();
        driver.Map(1);

        Assert.Equal(-Errno.EFAULT, PopulateRange(driver, device, At(0), At(2), _ => { }));

        Assert.Empty(device.PageTable);
        Assert.Equal(0, driver.Mm.MmapSem.Readers);
        Assert.Equal(0, driver.Mm.Hmm?.RangeCount ?? 0);
    }
}
