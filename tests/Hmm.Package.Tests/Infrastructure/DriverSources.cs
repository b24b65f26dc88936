namespace Hmm.Package.Tests.Infrastructure;

/// <summary>
/// The driver code the consumer projects hold: a port of nouveau's SVM fault path and a
/// test-mirror driver, before and after the migration.
/// </summary>
public static class DriverSources
{
    public const string SvmFile = "NouveauSvm.cs";
    public const string DmirrorFile = "Dmirror.cs";

    /// <summary>HMM001 here: the mm of an object that also holds its mirror.</summary>
    public const string LegacyRangeRegisterLine = "int ret = HmmApi.RangeRegister(range, svmm.Mm, start, end, HmmApi.PageShift);";
    public const string MigratedRangeRegisterLine = "int ret = HmmApi.RangeRegister(range, svmm.Mirror, start, end, HmmApi.PageShift);";

    /// <summary>HMM004 here: the single live mirror in scope is a parameter.</summary>
    public const string LegacyVmaFaultLine = "int ret = HmmApi.VmaFault(range, true);";
    public const string MigratedVmaFaultLine = "int ret = HmmApi.VmaFault(mirror, range, true);";

    /// <summary>HMM002 here: no mirror in reach at all.</summary>
    public const string LegacyPrefaultLine = "int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);";

    /// <summary>HMM001 in the second document: a mirror registered in the method on that mm.</summary>
    public const string LegacySnapshotLine = "int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift); // under the mirror";
    public const string MigratedSnapshotLine = "int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift); // under the mirror";

    public static string LegacySvm => Svm(LegacyRangeRegisterLine, LegacyVmaFaultLine, PrefaultLegacy);

    public static string MigratedSvm => Svm(MigratedRangeRegisterLine, MigratedVmaFaultLine, PrefaultMigrated);

    public static string LegacyDmirror => Dmirror(LegacySnapshotLine);

    public static string MigratedDmirror => Dmirror(MigratedSnapshotLine);

    private const string PrefaultLegacy = $$"""
            public static int Prefault(MmStruct mm, HmmRange range, ulong start, ulong end)
            {
                {{LegacyPrefaultLine}}
                if (ret != 0)
                {
                    return ret;
                }

                HmmApi.RangeUnregister(range);
                return 0;
            }
        """;

    private const string PrefaultMigrated = """
            public static int Prefault(HmmMirror mirror, HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                if (ret != 0)
                {
                    return ret;
                }

                HmmApi.RangeUnregister(range);
                return 0;
            }
        """;

    private static string Svm(string rangeRegister, string vmaFault, string prefault) => $$"""
        using Hmm;

        namespace NouveauDriver;

        /// <summary>What the driver keeps per process: the mm and the mirror registered on it.</summary>
        public sealed class NouveauSvmm
        {
            public NouveauSvmm(MmStruct mm, HmmMirror mirror)
            {
                Mm = mm;
                Mirror = mirror;
            }

            public MmStruct Mm { get; }

            public HmmMirror Mirror { get; }
        }

        public static class NouveauSvm
        {
            public static long RangeFault(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
            {
                {{rangeRegister}}
                if (ret != 0)
                {
                    return ret;
                }

                svmm.Mm.MmapSem.DownRead();
                long faulted = HmmApi.RangeFault(range, true);
                svmm.Mm.MmapSem.UpRead();
                HmmApi.RangeUnregister(range);
                return faulted;
            }

            public static int FaultVma(HmmMirror mirror, HmmRange range)
            {
                {{vmaFault}}
                if (ret < 0)
                {
                    return ret;
                }

                return HmmApi.VmaRangeDone(range) ? 0 : -Errno.EAGAIN;
            }

        {{prefault}}
        }

        """;

    private static string Dmirror(string rangeRegister) => $$"""
        using Hmm;

        namespace NouveauDriver;

        public sealed class Dmirror : IHmmMirrorOps
        {
            public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update) =>
                update.Blockable ? 0 : -Errno.EAGAIN;

            public void Release(HmmMirror mirror)
            {
            }

            public static long Snapshot(MmStruct mm, HmmRange range, ulong start, ulong end)
            {
                using var mirror = HmmMirror.Register(mm, new Dmirror());
                {{rangeRegister}}
                if (ret != 0)
                {
                    return ret;
                }

                mm.MmapSem.DownRead();
                long snapshot = HmmApi.RangeSnapshot(range);
                mm.MmapSem.UpRead();
                HmmApi.RangeUnregister(range);
                return snapshot;
            }
        }

        """;
}
