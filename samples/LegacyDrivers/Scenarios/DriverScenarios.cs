using Hmm;
using LegacyDrivers.Amdgpu;
using LegacyDrivers.Device;
using LegacyDrivers.HmmDoc;
using LegacyDrivers.Nouveau;

namespace LegacyDrivers.Scenarios;

/// <summary>The script of <see cref="Scenario"/> against each sample driver.</summary>
public static class DriverScenarios
{
    public static string Nouveau() => Scenario.Run("nouveau", mm => new NouveauDriver(mm));

    public static string Amdgpu() => Scenario.Run("amdgpu", mm => new AmdgpuDriver(mm));

    public static string HmmDoc() => Scenario.Run("hmm-doc", mm => new DocScenarioDriver(mm));

    /// <summary>Every scenario by name, in a stable order.</summary>
    public static IReadOnlyList<(string Name, Func<string> Run)> All { get; } =
    [
        ("nouveau", Nouveau),
        ("amdgpu", Amdgpu),
        ("hmm-doc", HmmDoc),
    ];

    private sealed class NouveauDriver : IScenarioDriver
    {
        private readonly NouveauSvmm svmm;

        public NouveauDriver(MmStruct mm)
        {
            svmm = new NouveauSvmm(mm);
            int ret = svmm.Init();
            if (ret != 0)
            {
                throw new InvalidOperationException($"nouveau_svmm_init failed: {ret}");
            }
        }

        public MirroredDevice Device => svmm;

        // A GPU access faults page by page, as the GPU's fault buffer reports them.
        public int Access(ulong start, ulong end, bool write)
        {
            for (ulong address = start; address < end; address += PfnEncoding.PageSize)
            {
                if (svmm.PageTable.Lookup(address) is { } entry && (entry.Writable || !write))
                {
                    continue;
                }

                int ret = NouveauSvm.HandleFault(svmm, address, write);
                if (ret != 0)
                {
                    return ret;
                }
            }

            return 0;
        }

        public string QueryResidency(ulong start, ulong end) => NouveauSvm.QueryResidency(svmm, start, end);

        public void Dispose() => svmm.Dispose();
    }

    private sealed class AmdgpuDriver : IScenarioDriver
    {
        private readonly AmdgpuMn mn;

        public AmdgpuDriver(MmStruct mm)
        {
            mn = new AmdgpuMn(mm);
            int ret = mn.Register();
            if (ret != 0)
            {
                throw new InvalidOperationException($"amdgpu_mn_get failed: {ret}");
            }
        }

        public MirroredDevice Device => mn;

        // Each access validates a userptr bo over the accessed pages.
        public int Access(ulong start, ulong end, bool write) =>
            AmdgpuTtm.Validate(new AmdgpuBo(mn, start, (int)((end - start) / PfnEncoding.PageSize), readOnly: !write));

        public string QueryResidency(ulong start, ulong end) =>
            AmdgpuTtm.QueryResidency(new AmdgpuBo(mn, start, (int)((end - start) / PfnEncoding.PageSize), readOnly: true));

        public void Dispose() => mn.Dispose();
    }

    private sealed class DocScenarioDriver(MmStruct mm) : IScenarioDriver
    {
        private readonly DocDriver driver = new(mm);

        public MirroredDevice Device => driver;

        public int Access(ulong start, ulong end, bool write) => driver.PopulateRange(start, end, write);

        public string QueryResidency(ulong start, ulong end) => driver.QueryResidency(start, end);

        public void Dispose() => driver.Dispose();
    }
}
