using Verify = Hmm.CodeFixes.Tests.Verifiers.CodeFixVerifier<Hmm.CodeFixes.PassMirrorToVmaFaultFix>;

namespace Hmm.CodeFixes.Tests;

/// <summary>HMM004: a legacy VmaFault(range, block) gets the live mirror as its first argument.</summary>
public class PassMirrorToVmaFaultFixTests
{
    [Fact]
    public async Task The_live_mirror_goes_first()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Fault(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|HMM004:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM004:HmmApi.VmaFault(range, true)|}", "HmmApi.VmaFault(svmm.Mirror, range, true)"));
    }

    [Fact]
    public async Task One_argument_per_line_stays_one_per_line_with_its_comments()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Fault(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|HMM004:HmmApi.VmaFault(
                        range, // the snapshot to fill
                        block: true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Fault(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = HmmApi.VmaFault(
                        svmm.Mirror,
                        range, // the snapshot to fill
                        block: true);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Named_arguments_get_a_named_mirror()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Fault(HmmMirror mirror, HmmRange range)
                {
                    int ret = {|HMM004:HmmApi.VmaFault(range: range, block: false)|};
                    if (ret < 0)
                        return ret;
                    return HmmApi.VmaRangeDone(range) ? 0 : -Errno.EAGAIN;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM004:HmmApi.VmaFault(range: range, block: false)|}", "HmmApi.VmaFault(mirror: mirror, range: range, block: false)"));
    }

    [Fact]
    public async Task Local_functions_and_the_goto_again_retry_loop()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range)
                {
                    int ret;
                again:
                    ret = Fault(svmm, range);
                    if (ret == -Errno.EBUSY)
                        goto again;
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;

                    static int Fault(NouveauSvmm svmm, HmmRange range)
                    {
                        svmm.Mm.MmapSem.DownRead();
                        int result = {|HMM004:HmmApi.VmaFault(range, true)|};
                        svmm.Mm.MmapSem.UpRead();
                        return result;
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM004:HmmApi.VmaFault(range, true)|}", "HmmApi.VmaFault(svmm.Mirror, range, true)"));
    }

    [Theory]
    [InlineData("range.Vma = svmm.Mm.FindVma(range.Start);", "svmm.Mirror")]
    [InlineData("var vma = device.Mm.FindVma(range.Start);\n        range.Vma = vma;", "device.Mirror")]
    public async Task The_mirror_of_the_mm_whose_FindVma_gave_the_vma_goes_first(string findVma, string mirror)
    {
        var source = $$"""
            using Hmm;

            interface IDeviceContext { MmStruct Mm { get; } HmmMirror Mirror { get; } }

            static class Driver
            {
                static int Fault<TDevice>(NouveauSvmm svmm, TDevice device, HmmRange range) where TDevice : IDeviceContext
                {
                    {{findVma}}
                    int ret = {|HMM004:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM004:HmmApi.VmaFault(range, true)|}", $"HmmApi.VmaFault({mirror}, range, true)"));
    }

    [Fact]
    public async Task Fix_all_in_the_solution_takes_each_ranges_own_mirror()
    {
        const string faults = """
            using Hmm;

            static class Faults
            {
                static int Fault(NouveauSvmm svmm, NouveauSvmm other, ulong start, ulong end)
                {
                    var range = new HmmRange { Vma = other.Mm.FindVma(start), Start = start, End = end };
                    int ret = {|HMM004:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        const string statics = """
            using Hmm;

            static class GpuGlobals
            {
                private static readonly MmStruct s_mm = new MmStruct();
                private static readonly HmmMirror s_mirror = HmmMirror.Register(s_mm, new DeviceOps());

                static int Fault(HmmMirror spare, HmmRange range)
                {
                    range.Vma = s_mm.FindVma(range.Start);
                    int ret = {|HMM004:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        const string call = "{|HMM004:HmmApi.VmaFault(range, true)|}";
        await Verify.CreateSolution(
            new[] { (faults, faults.Replace(call, "HmmApi.VmaFault(other.Mirror, range, true)")) },
            (statics, statics.Replace(call, "HmmApi.VmaFault(s_mirror, range, true)"))).RunAsync();
    }

    [Fact]
    public async Task Two_live_mirrors_give_two_actions_and_fix_all_leaves_the_site()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Either(HmmMirror mirror, NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|HMM004:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        foreach (var mirror in new[] { "mirror", "svmm.Mirror" })
        {
            var test = Verify.Create(source, source.Replace("{|HMM004:HmmApi.VmaFault(range, true)|}", $"HmmApi.VmaFault({mirror}, range, true)"));
            test.CodeActionEquivalenceKey = PassMirrorToVmaFaultFix.CandidateEquivalenceKey(mirror);
            test.BatchFixedState.Sources.Add(source);
            test.BatchFixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
            test.BatchFixedState.MarkupHandling = Microsoft.CodeAnalysis.Testing.MarkupMode.Allow;
            await test.RunAsync();
        }
    }
}
