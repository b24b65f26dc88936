using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// The joins of a range's and a mirror's state are a lattice's (commutative, idempotent,
/// associative), so that the walks settle, and keep the facts of a registration apart by its
/// outcome until two registrations meet.
/// </summary>
public class FlowValueJoinTests
{
    private static readonly SyntaxNode[] Calls = CSharpSyntaxTree.ParseText("""
        class Driver
        {
            void Bind()
            {
                HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
            }
        }
        """).GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>().ToArray();

    private static IEnumerable<RangeValue> Ranges()
    {
        var values = new List<RangeValue> { RangeValue.Unregistered, RangeValue.Escaped, new(RangeFacts.Registered, Calls[0]), new(RangeFacts.Unknown, null) };
        foreach (var call in Calls)
        {
            var registering = RangeValue.Registering(call, 0);
            values.AddRange(new[] { registering, registering.Decided(true), registering.Decided(false), RangeValue.Registering(call, RangeFacts.Escaped) });
        }

        return values;
    }

    private static IEnumerable<MirrorValue> Mirrors()
    {
        var values = new List<MirrorValue> { MirrorValue.Assumed, new(MirrorFacts.NotRegistered, null, null, null), new(MirrorFacts.Unregistered, null, Calls[1], null) };
        foreach (var call in Calls)
        {
            var registering = MirrorValue.Registering(call, null);
            values.AddRange(new[] { registering, registering.Decided(true), registering.Decided(false) });
        }

        return values;
    }

    [Fact]
    public void Range_joins_form_a_lattice()
    {
        var values = Ranges().ToList();
        foreach (var a in values)
        {
            Assert.Equal(a, a.Join(a));
            foreach (var b in values)
            {
                Assert.Equal(a.Join(b), b.Join(a));
                foreach (var c in values)
                {
                    Assert.Equal(a.Join(b).Join(c), a.Join(b.Join(c)));
                }
            }
        }
    }

    [Fact]
    public void Mirror_joins_form_a_lattice()
    {
        var values = Mirrors().ToList();
        foreach (var a in values)
        {
            Assert.Equal(a, a.Join(a));
            foreach (var b in values)
            {
                Assert.Equal(a.Join(b), b.Join(a));
                foreach (var c in values)
                {
                    Assert.Equal(a.Join(b).Join(c), a.Join(b.Join(c)));
                }
            }
        }
    }

    [Fact]
    public void The_outcomes_of_a_registration_stay_apart_across_a_join()
    {
        var registering = RangeValue.Registering(Calls[0], 0);
        var rejoined = registering.Decided(true).Join(registering.Decided(false));

        Assert.Equal(RangeFacts.Registered, rejoined.Decided(true).Facts);
        Assert.Equal(RangeFacts.NotRegistered, rejoined.Decided(false).Facts);
        Assert.False(rejoined.Decided(false).MayLeak);
    }

    [Fact]
    public void Two_registrations_that_meet_are_unknown_not_maybe()
    {
        var joined = RangeValue.Registering(Calls[0], 0).Join(RangeValue.Registering(Calls[1], 0));

        Assert.Equal(RangeFacts.Unknown, joined.Facts);
        Assert.False(joined.MayLeak);
        Assert.True(MirrorValue.Registering(Calls[0], null).Join(MirrorValue.Registering(Calls[1], null)).IsLive);
    }
}
