using Verify = Hmm.CodeFixes.Tests.Verifiers.CodeFixVerifier<Hmm.CodeFixes.UseMirrorInRangeRegisterFix>;

namespace Hmm.CodeFixes.Tests;

public class UseMirrorInRangeRegisterFixTests
{
    [Fact]
    public async Task Sibling_mirror_replaces_the_mm()
    {
        const string source = """
            using Hmm;

            sealed class Svmm
            {
                public Svmm(MmStruct mm, HmmMirror mirror) { Mm = mm; Mirror = mirror; }
                public MmStruct Mm { get; }
                public HmmMirror Mirror { get; }
            }

            static class Driver
            {
                static int Populate(Svmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            sealed class Svmm
            {
                public Svmm(MmStruct mm, HmmMirror mirror) { Mm = mm; Mirror = mirror; }
                public MmStruct Mm { get; }
                public HmmMirror Mirror { get; }
            }

            static class Driver
            {
                static int Populate(Svmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, svmm.Mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }
}
