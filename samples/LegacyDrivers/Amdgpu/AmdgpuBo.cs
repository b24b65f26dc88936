using Hmm;

namespace LegacyDrivers.Amdgpu;

/// <summary>A userptr buffer object: GPU memory backed by the pages of a user range.</summary>
public sealed class AmdgpuBo(AmdgpuMn? mn, ulong userPtr, int pageCount, bool readOnly)
{
    /// <summary>bo->mn: the notifier of the owning process; null when none could be set up.</summary>
    public AmdgpuMn? Mn { get; } = mn;

    /// <summary>The first user address.</summary>
    public ulong UserPtr { get; } = userPtr;

    public int PageCount { get; } = pageCount;

    /// <summary>AMDGPU_GEM_USERPTR_READONLY: the GPU only reads these pages.</summary>
    public bool ReadOnly { get; } = readOnly;

    /// <summary>gtt->range: the range between get_user_pages and get_user_pages_done.</summary>
    public HmmRange? Range { get; set; }

    public ulong End => UserPtr + ((ulong)PageCount << HmmApi.PageShift);
}
