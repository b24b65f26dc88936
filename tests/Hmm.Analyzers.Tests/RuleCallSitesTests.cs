using System.Collections.Immutable;
using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Ignored = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.IgnoredResultAnalyzer>;
using Legacy = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.LegacyRangeRegisterAnalyzer>;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// The rules start from the HMM calls of every block of code the compiler hands them: method and
/// accessor bodies, field initializers, constructor initializers, top-level statements, with the
/// lambdas inside them. A block whose text names none of the calls is passed over unread, so a
/// call the text spells another way (a Unicode escape) must still be found, and a name that is
/// not a call of Hmm.Api must not start anything.
/// </summary>
public class RuleCallSitesTests
{
    [Fact]
    public async Task A_call_in_a_lambda_of_a_field_initializer()
    {
        const string source = """
            using System;
            using Hmm;

            sealed class Prefaulter
            {
                private readonly Action<HmmRange> prefault = range => {|HMM006:HmmApi.RangeFault(range, true)|};

                public void Run(HmmRange range) => prefault(range);
            }
            """;

        await Ignored.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_call_in_a_property_setter()
    {
        const string source = """
            using Hmm;

            sealed class FaultWindow
            {
                private HmmRange current = new HmmRange();

                public HmmRange Current
                {
                    get => current;
                    set
                    {
                        {|HMM006:HmmApi.RangeFault(value, true)|};
                        current = value;
                    }
                }
            }
            """;

        await Ignored.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_legacy_call_in_a_constructor_initializer()
    {
        var source = """
            using Hmm;

            sealed class RangeBinding
            {
                public RangeBinding(NouveauSvmm svmm, HmmRange range)
                    : this(HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift))
                {
                }

                private RangeBinding(int registered)
                {
                    Registered = registered;
                }

                public int Registered { get; }
            }
            """ + DriverCode.Types;

        await Legacy.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_call_in_top_level_statements()
    {
        var test = new Ignored.Test
        {
            TestCode = """
                using Hmm;

                var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                {|HMM006:HmmApi.RangeFault(range, true)|};
                """,
        };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;

        await test.RunAsync();
    }

    [Fact]
    public async Task A_call_spelled_with_a_unicode_escape()
    {
        const string source = """
            using Hmm;

            static class Prefault
            {
                public static void Run(HmmRange range)
                {
                    {|HMM006:HmmApi.Range\u0046ault(range, true)|};
                }
            }
            """;

        await Ignored.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_driver_method_of_the_same_name_is_not_a_call_of_Hmm_Api()
    {
        const string source = """
            using Hmm;

            sealed class DeviceFaults
            {
                // RangeFault: the device's own, as the comment and the string name it.
                public void Prefault(HmmRange range)
                {
                    RangeFault(range, true);
                    System.Console.WriteLine("RangeFault done: " + nameof(HmmApi.RangeFault));
                }

                private int RangeFault(HmmRange range, bool block) => block ? 0 : -Errno.EBUSY;
            }
            """;

        await Ignored.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_legacy_call_in_a_primary_constructor_base_argument()
    {
        var source = """
            using Hmm;

            abstract class Registration(int registered)
            {
                public int Registered { get; } = registered;
            }

            sealed class RangeBinding(NouveauSvmm svmm, HmmRange range)
                : Registration(HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift))
            {
                public HmmRange Range { get; } = range;
            }
            """ + DriverCode.Types;

        await Legacy.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_returned_call_in_an_expression_bodied_property_and_two_bodies_on_one_line()
    {
        const string source = """
            using Hmm;

            sealed class FaultWindow(HmmRange range)
            {
                public long Faulted => HmmApi.RangeFault(range, true);

                public void Prefault() { {|HMM006:HmmApi.RangeFault(range, false)|}; } public void Again() { {|HMM006:HmmApi.RangeFault(range, true)|}; }
            }
            """;

        await Ignored.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task An_ask_for_part_of_a_file_gets_what_that_part_draws()
    {
        // The IDE asks for the diagnostics of the member being edited, not of the whole file.
        const string source = """
            using Hmm;

            static class Prefault
            {
                public static void First(HmmRange range)
                {
                    HmmApi.RangeFault(range, true);
                }

                public static void Second(HmmRange range)
                {
                    HmmApi.RangeFault(range, false);
                }
            }
            """;
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(source);
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var second = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Second");
        var analyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new IgnoredResultAnalyzer()));

        var inSecond = await analyzers.GetAnalyzerSemanticDiagnosticsAsync(model, second.Span, CancellationToken.None);
        var inFile = await analyzers.GetAnalyzerSemanticDiagnosticsAsync(model, filterSpan: null, CancellationToken.None);

        var diagnostic = Assert.Single(inSecond);
        Assert.Equal("HMM006", diagnostic.Id);
        Assert.True(second.Span.Contains(diagnostic.Location.SourceSpan));
        Assert.Equal(2, inFile.Length);
    }
}
