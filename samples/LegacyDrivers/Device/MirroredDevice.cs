using Hmm;

namespace LegacyDrivers.Device;

/// <summary>
/// What every sample driver shares: a device page table kept in sync with the CPU's by the
/// mirror callbacks, and the update lock that orders those callbacks against programming.
/// </summary>
public abstract class MirroredDevice : IHmmMirrorOps
{
    /// <summary>The device page table. Read or written only under <see cref="UpdateLock"/>.</summary>
    public DevicePageTable PageTable { get; } = new();

    /// <summary>The driver's update lock (nouveau's svmm->mutex, amdgpu's mn lock).</summary>
    public Lock UpdateLock { get; } = new();

    /// <summary>True once the mm went away under the mirror.</summary>
    public bool Released { get; private set; }

    /// <summary>Invalidates the device entries of the updated range.</summary>
    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
    {
        if (update.Blockable)
        {
            UpdateLock.Enter();
        }
        else if (!UpdateLock.TryEnter())
        {
            return -Errno.EAGAIN;
        }

        try
        {
            PageTable.Invalidate(update.Start, update.End);
        }
        finally
        {
            UpdateLock.Exit();
        }

        return 0;
    }

    /// <summary>The process is gone: nothing of it may stay mapped on the device.</summary>
    public void Release(HmmMirror mirror)
    {
        lock (UpdateLock)
        {
            PageTable.Clear();
            Released = true;
        }
    }

    /// <summary>hmm_mirror_register with mmap_sem held for write, as the drivers of that time did.</summary>
    protected static int RegisterMirror(HmmMirror mirror, MmStruct mm)
    {
        mm.MmapSem.DownWrite();
        try
        {
            return HmmApi.MirrorRegister(mirror, mm);
        }
        finally
        {
            mm.MmapSem.UpWrite();
        }
    }
}
