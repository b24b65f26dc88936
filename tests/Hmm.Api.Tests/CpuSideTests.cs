using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>The CPU side: vmas, page table entries and CPU faults, as the samples drive them.</summary>
public class CpuSideTests
{
    [Fact]
    public void Mmap_creates_a_vma_that_find_vma_returns()
    {
        var mm = new MmStruct();
        var vma = mm.Mmap(At(0), 3 * Page - 100, VmFlags.Read | VmFlags.Exec);

        Assert.Equal((At(0), At(3), VmFlags.Read | VmFlags.Exec), (vma.Start, vma.End, vma.Flags));
        Assert.Same(mm, vma.Mm);
        Assert.Same(vma, mm.FindVma(At(2) + 5));
        Assert.Null(mm.FindVma(At(3)));
        Assert.Null(mm.GetPage(At(0)));
    }

    [Fact]
    public void Touch_faults_pages_in_as_the_cpu_would()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), 3 * Page, VmFlags.Read | VmFlags.Write);
        mm.Mmap(At(4), Page, VmFlags.Read);

        Assert.Equal(0, mm.Touch(At(0), write: false));
        Assert.Equal(new PageInfo(MmStruct.ZeroPfn, PageKind.Zero, false), mm.GetPage(At(0)));
        Assert.Equal(0, mm.Touch(At(1) + 123, write: true));
        var page = mm.GetPage(At(1))!.Value;
        Assert.Equal((PageKind.Normal, true), (page.Kind, page.Writable));
        Assert.Equal(0, mm.Touch(At(0), write: true));
        Assert.NotEqual(MmStruct.ZeroPfn, mm.GetPage(At(0))!.Value.Pfn);

        Assert.Equal(-Errno.EPERM, mm.Touch(At(4), write: true));
        Assert.Equal(-Errno.EFAULT, mm.Touch(At(3), write: false));
    }

    [Fact]
    public void Pfns_are_distinct_across_processes()
    {
        var first = new MmStruct();
        var second = new MmStruct();
        first.Mmap(At(0), Page, VmFlags.Read | VmFlags.Write);
        second.Mmap(At(0), Page, VmFlags.Read | VmFlags.Write);
        first.Touch(At(0), true);
        second.Touch(At(0), true);
        Assert.NotEqual(first.GetPage(At(0))!.Value.Pfn, second.GetPage(At(0))!.Value.Pfn);
    }

    [Fact]
    public void Io_and_pfnmap_vmas_hold_special_pages_from_the_start()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), 2 * Page, VmFlags.Read | VmFlags.Write | VmFlags.Io);

        var page = mm.GetPage(At(1))!.Value;
        Assert.Equal((PageKind.Special, true), (page.Kind, page.Writable));
        Assert.Equal(0, mm.Touch(At(1), write: true));
        Assert.Equal(page, mm.GetPage(At(1)));
        Assert.Equal(-Errno.EFAULT, mm.MigrateToDevice(At(0), Page));
    }

    [Fact]
    public void Mprotect_and_munmap_split_vmas()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), 4 * Page, VmFlags.Read | VmFlags.Write);
        mm.Touch(At(3), true);

        Assert.Equal(0, mm.Mprotect(At(1), Page, VmFlags.Read));
        Assert.Equal(0, mm.Munmap(At(2), Page));

        Assert.Equal((At(0), At(1)), (mm.FindVma(At(0))!.Start, mm.FindVma(At(0))!.End));
        Assert.Equal(VmFlags.Read, mm.FindVma(At(1))!.Flags);
        Assert.Null(mm.FindVma(At(2)));
        Assert.Equal((At(3), At(4)), (mm.FindVma(At(3))!.Start, mm.FindVma(At(3))!.End));
        Assert.NotNull(mm.GetPage(At(3)));
        Assert.Equal(0, mm.Munmap(At(8), Page)); // nothing there: still 0
        Assert.Equal(0, mm.Munmap(At(0), 4 * Page));
        Assert.Null(mm.GetPage(At(3)));
    }

    [Fact]
    public void Device_private_pages_come_back_on_touch_with_their_write_permission()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), 2 * Page, VmFlags.Read | VmFlags.Write);
        mm.Touch(At(0), true);
        mm.Mprotect(At(0), 2 * Page, VmFlags.Read);
        mm.Mprotect(At(0), 2 * Page, VmFlags.Read | VmFlags.Write);

        Assert.Equal(2, mm.MigrateToDevice(At(0), 2 * Page));
        Assert.False(mm.GetPage(At(0))!.Value.Writable); // as the page was
        Assert.True(mm.GetPage(At(1))!.Value.Writable); // a new page of a writable vma
        Assert.True(mm.GetPage(At(0))!.Value.Pfn > uint.MaxValue);

        Assert.Equal(0, mm.Touch(At(0), write: false));
        Assert.Equal((PageKind.Normal, false), (mm.GetPage(At(0))!.Value.Kind, mm.GetPage(At(0))!.Value.Writable));
        Assert.Equal(0, mm.Touch(At(1), write: true));
        Assert.Equal((PageKind.Normal, true), (mm.GetPage(At(1))!.Value.Kind, mm.GetPage(At(1))!.Value.Writable));
    }

    [Fact]
    public async Task Cpu_changes_take_mmap_sem()
    {
        var mm = new MmStruct();
        mm.Mmap(At(0), Page, VmFlags.Read | VmFlags.Write);
        mm.MmapSem.DownRead();
        var unmap = Task.Run(() => mm.Munmap(At(0), Page));
        await Task.Delay(100);
        Assert.False(unmap.IsCompleted);
        Assert.NotNull(mm.FindVma(At(0)));
        mm.MmapSem.UpRead();
        Assert.Equal(0, await unmap.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(mm.FindVma(At(0)));
    }
}
