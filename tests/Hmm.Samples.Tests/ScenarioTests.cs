using Hmm;
using LegacyDrivers.Amdgpu;
using LegacyDrivers.Device;
using LegacyDrivers.HmmDoc;
using LegacyDrivers.Nouveau;
using LegacyDrivers.Scenarios;

namespace Hmm.Samples.Tests;

/// <summary>
/// The device-side view of each legacy sample driver under the same CPU-side script: what the
/// migration must leave unchanged. Read-faulted pages map the shared zero page (p0); a CPU
/// write replaces it and drops the device's entry; mprotect drops every entry; a device write
/// to a read-only mapping is refused with -EPERM; munmap drops the unmapped page's entry; exit
/// releases the mirror and empties the table.
/// </summary>
public sealed class ScenarioTests
{
    [Fact]
    public void Nouveau_faults_a_window_around_each_gpu_fault()
    {
        // The 64 KiB fault window covers the whole 4-page vma: one read fault maps all of it.
        Assert.Equal("""
            # nouveau
            mmap 0x100000 4 pages rw
            device view:
              (empty)
            device read [0, 2) = 0
            device view:
              0x100000 -> p0 r-
              0x101000 -> p0 r-
              0x102000 -> p0 r-
              0x103000 -> p0 r-
            cpu write page 1 = 0
            device view:
              0x100000 -> p0 r-
              0x102000 -> p0 r-
              0x103000 -> p0 r-
            residency [0, 4): r- rw r- r-
            device write [0, 3) = 0
            device view:
              0x100000 -> p1 rw
              0x101000 -> p2 rw
              0x102000 -> p3 rw
              0x103000 -> p0 r-
            mprotect [0, 4) r = 0
            device view:
              (empty)
            device write [0, 1) = -1
            device read [0, 4) = 0
            device view:
              0x100000 -> p1 r-
              0x101000 -> p2 r-
              0x102000 -> p3 r-
              0x103000 -> p0 r-
            munmap [3, 4) = 0
            device view:
              0x100000 -> p1 r-
              0x101000 -> p2 r-
              0x102000 -> p3 r-
            device read [3, 4) = -14
            exit
            device view (released):
              (empty)

            """, DriverScenarios.Nouveau());
    }

    /// <summary>
    /// amdgpu and the hmm.rst driver fault exactly the range they are asked for, so the same CPU
    /// script leaves the same device view in both.
    /// </summary>
    [Theory]
    [InlineData("amdgpu")]
    [InlineData("hmm-doc")]
    public void Range_drivers_map_exactly_the_accessed_range(string driver)
    {
        var scenario = driver == "amdgpu" ? DriverScenarios.Amdgpu() : DriverScenarios.HmmDoc();
        Assert.Equal($"# {driver}\n" + ExactRangeDeviceView, scenario);
    }

    private const string ExactRangeDeviceView = """
            mmap 0x100000 4 pages rw
            device view:
              (empty)
            device read [0, 2) = 0
            device view:
              0x100000 -> p0 r-
              0x101000 -> p0 r-
            cpu write page 1 = 0
            device view:
              0x100000 -> p0 r-
            residency [0, 4): r- rw - -
            device write [0, 3) = 0
            device view:
              0x100000 -> p1 rw
              0x101000 -> p2 rw
              0x102000 -> p3 rw
            mprotect [0, 4) r = 0
            device view:
              (empty)
            device write [0, 1) = -1
            device read [0, 4) = 0
            device view:
              0x100000 -> p1 r-
              0x101000 -> p2 r-
              0x102000 -> p3 r-
              0x103000 -> p0 r-
            munmap [3, 4) = 0
            device view:
              0x100000 -> p1 r-
              0x101000 -> p2 r-
              0x102000 -> p3 r-
            device read [3, 4) = -14
            exit
            device view (released):
              (empty)

            """;

    [Fact]
    public void Every_scenario_is_listed_once_for_the_runner()
    {
        Assert.Equal(["nouveau", "amdgpu", "hmm-doc"], DriverScenarios.All.Select(s => s.Name));
    }

    [Fact]
    public void A_userptr_bo_without_notifier_fails_with_efault()
    {
        var mm = new MmStruct();
        mm.Mmap(Scenario.Base, 2 * PfnEncoding.PageSize, VmFlags.Read | VmFlags.Write);
        var bo = new AmdgpuBo(mn: null, Scenario.Base, pageCount: 2, readOnly: true);

        Assert.Equal(-Errno.EFAULT, AmdgpuTtm.Validate(bo));
        Assert.Null(bo.Range);
    }

    [Fact]
    public void A_gpu_fault_outside_every_vma_fails_with_efault_and_maps_nothing()
    {
        var mm = new MmStruct();
        mm.Mmap(Scenario.Base, PfnEncoding.PageSize, VmFlags.Read);
        using var svmm = new NouveauSvmm(mm);
        Assert.Equal(0, svmm.Init());

        Assert.Equal(-Errno.EFAULT, NouveauSvm.HandleFault(svmm, Scenario.Base + 0x100000, write: false));
        Assert.Equal(0, svmm.PageTable.Count);
        // mmap_sem was released on that path: a writer gets it.
        Assert.True(mm.MmapSem.TryDownWrite());
        mm.MmapSem.UpWrite();
    }

    [Fact]
    public void Residency_over_a_hole_reports_the_error_and_releases_mmap_sem()
    {
        var mm = new MmStruct();
        mm.Mmap(Scenario.Base, PfnEncoding.PageSize, VmFlags.Read | VmFlags.Write);
        using var driver = new DocDriver(mm);
        Assert.Equal(0, mm.Touch(Scenario.Base, write: true));

        Assert.Equal("rw", driver.QueryResidency(Scenario.Base, Scenario.Base + PfnEncoding.PageSize));
        Assert.Equal($"error {-Errno.EFAULT}", driver.QueryResidency(Scenario.Base, Scenario.Base + 2 * PfnEncoding.PageSize));
        // mmap_sem was released on the error path too.
        Assert.True(mm.MmapSem.TryDownWrite());
        mm.MmapSem.UpWrite();
    }
}
