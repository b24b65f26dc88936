namespace Hmm;

/// <summary>struct hmm_mirror_ops: the driver's callbacks for one mirror.</summary>
public interface IHmmMirrorOps
{
    /// <summary>sync_cpu_device_pagetables: the CPU page table changes over
    /// [update.Start, update.End); the driver must stop the device using those pages before
    /// returning. Returns 0, or -EAGAIN only when <see cref="HmmUpdate.Blockable"/> is false and
    /// the driver would have to sleep.</summary>
    int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update);

    /// <summary>release: the mm is going away (process exit). Called once, with the mirror
    /// already off the mm's mirror list; the driver still unregisters the mirror.</summary>
    void Release(HmmMirror mirror);
}

/// <summary>enum hmm_update_event.</summary>
public enum HmmUpdateEvent
{
    /// <summary>HMM_UPDATE_INVALIDATE: pages in the range lose their mapping or permission.</summary>
    Invalidate,
}

/// <summary>struct hmm_update: one CPU page table change, as passed to
/// <see cref="IHmmMirrorOps.SyncCpuDevicePageTables"/>.</summary>
/// <param name="Start">First address of the change.</param>
/// <param name="End">First address after the change.</param>
/// <param name="Event">What happens to the pages.</param>
/// <param name="Blockable">False when the callback must not sleep (the OOM reaper).</param>
public readonly record struct HmmUpdate(ulong Start, ulong End, HmmUpdateEvent Event, bool Blockable);
