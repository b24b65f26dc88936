using Hmm.Analyzers.Rules;
using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.LegacyRangeRegisterAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM001 — Register the range with the mirror, not the mm. The legacy
/// <c>HmmApi.RangeRegister(range, mm, ...)</c> is reported on its mm argument wherever a live
/// mirror of that mm is in scope; the fixer is handed the mirror(s) in MirrorCandidates.
/// </summary>
public class HMM001Tests
{
    [Fact]
    public async Task Mm_of_an_object_that_holds_the_mirror_is_reported_with_that_mirror()
    {
        var source = """
            using Hmm;

            sealed class NouveauSvmm
            {
                public HmmMirror Mirror = null!;
                public MmStruct Mm = null!;
            }

            static class Svm
            {
                public static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|#0:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Verify.Diagnostic("HMM001").WithLocation(0).WithArguments("HmmApi.RangeRegister", "range", "svmm.Mm", "'svmm.Mirror'"));
    }
}
