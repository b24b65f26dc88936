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

    // What the transfer functions make from these registrations, closed under join and the tests
    // of a result: every value a walk can meet at one range.
    private static HashSet<RangeValue> Ranges(IEnumerable<SyntaxNode> calls, bool onlyRegistration)
    {
        var values = new HashSet<RangeValue> { RangeValue.Unregistered, RangeValue.Escaped, new(RangeFacts.Registered, Calls[0]), new(RangeFacts.Unknown, null) };
        foreach (var call in calls)
        {
            values.Add(RangeValue.Registering(call, 0, onlyRegistration));
            values.Add(RangeValue.Registering(call, RangeFacts.Escaped, onlyRegistration));
        }

        while (true)
        {
            var next = new HashSet<RangeValue>(values);
            foreach (var a in values)
            {
                next.Add(a.Decided(true));
                next.Add(a.Decided(false));
                foreach (var b in values)
                {
                    next.Add(a.Join(b));
                }
            }

            if (next.Count == values.Count)
            {
                return values;
            }

            values = next;
        }
    }

    private static void AssertLattice<T>(IReadOnlyCollection<T> values, Func<T, T, T> join)
    {
        foreach (var a in values)
        {
            Assert.Equal(a, join(a, a));
            foreach (var b in values)
            {
                Assert.Equal(join(a, b), join(b, a));
                foreach (var c in values)
                {
                    Assert.Equal(join(join(a, b), c), join(a, join(b, c)));
                }
            }
        }
    }

    private static IEnumerable<MirrorValue> Mirrors()
    {
        var values = new List<MirrorValue> { MirrorValue.Assumed, new(MirrorFacts.NotRegistered, null, null, null), new(MirrorFacts.Unregistered, null, Calls[1], null) };
        // Registered with no known mm, with one of two, and with one since assigned again.
        var mms = new AccessPath?[] { null, AccessPath.ForVariable(Variables[0]), AccessPath.ForVariable(Variables[1]) };
        foreach (var call in Calls)
        {
            foreach (var mm in mms)
            {
                var registering = MirrorValue.Registering(call, mm);
                foreach (var value in new[] { registering, registering.Decided(true), registering.Decided(false) })
                {
                    values.Add(value);
                    values.Add(value.WithMmReassigned());
                }
            }
        }

        return values.Distinct().ToList();
    }

    [Fact]
    public void Range_joins_form_a_lattice()
    {
        AssertLattice(Ranges(Calls, onlyRegistration: false), (a, b) => a.Join(b));
    }

    [Fact]
    public void Range_joins_form_a_lattice_where_one_call_registers_the_range()
    {
        AssertLattice(Ranges(Calls.Take(1), onlyRegistration: true), (a, b) => a.Join(b));
    }

    [Fact]
    public void A_range_its_only_registration_left_unregistered_is_its_default_again()
    {
        // `if (HmmApi.RangeRegister(range, ...) == 0) { ...; HmmApi.RangeUnregister(range); }`
        var failed = RangeValue.Registering(Calls[0], 0, onlyRegistration: true).Decided(false);

        Assert.Equal(RangeValue.Unregistered, failed.Join(RangeValue.Unregistered));
    }

    [Fact]
    public void A_range_registered_at_two_calls_keeps_the_link_until_they_meet()
    {
        var failed = RangeValue.Registering(Calls[0], 0, onlyRegistration: false).Decided(false).Join(RangeValue.Unregistered);

        Assert.NotEqual(RangeValue.Unregistered, failed);
        Assert.Equal(RangeFacts.Unknown, failed.Join(RangeValue.Registering(Calls[1], 0, onlyRegistration: false)).Facts);
    }

    [Fact]
    public void Mirror_joins_form_a_lattice()
    {
        var values = Mirrors().ToList();
        AssertLattice(values, (a, b) => a.Join(b));
    }

    [Fact]
    public void A_mirror_whose_mm_variable_was_assigned_again_on_some_path_is_not_known_to_be_its_mirror()
    {
        var mm = AccessPath.ForVariable(Variables[0])!;
        var live = new MirrorValue(MirrorFacts.Live, null, null, mm);

        Assert.NotEqual(mm, live.Join(live.WithMmReassigned()).Mm);
        Assert.NotNull(live.Join(live.WithMmReassigned()).Mm);
        Assert.Null(live.Join(new MirrorValue(MirrorFacts.Live, null, null, AccessPath.ForVariable(Variables[1]))).Mm);
    }

    [Fact]
    public void The_outcomes_of_a_registration_stay_apart_across_a_join()
    {
        var registering = RangeValue.Registering(Calls[0], 0, onlyRegistration: true);
        var rejoined = registering.Decided(true).Join(registering.Decided(false));

        Assert.Equal(RangeFacts.Registered, rejoined.Decided(true).Facts);
        Assert.Equal(RangeFacts.NotRegistered, rejoined.Decided(false).Facts);
        Assert.False(rejoined.Decided(false).MayLeak);
    }

    [Fact]
    public void Two_registrations_that_meet_are_unknown_not_maybe()
    {
        var joined = RangeValue.Registering(Calls[0], 0, onlyRegistration: false).Join(RangeValue.Registering(Calls[1], 0, onlyRegistration: false));

        Assert.Equal(RangeFacts.Unknown, joined.Facts);
        Assert.False(joined.MayLeak);
        Assert.True(MirrorValue.Registering(Calls[0], null).Join(MirrorValue.Registering(Calls[1], null)).IsLive);
    }

    // Three flags and a range, as a method's parameters.
    private static readonly IParameterSymbol[] Variables = CSharpCompilation.Create("Flags", new[] { CSharpSyntaxTree.ParseText("class Driver { void Bind(bool a, bool b, bool c, object range) { } }") })
        .GetTypeByMetadataName("Driver")!.GetMembers("Bind").OfType<IMethodSymbol>().Single().Parameters.ToArray();

    // Every way of three flags (each true, false or unknown) with the range registered or not:
    // more ways than a state keeps apart, so joins of them split and merge.
    private static List<HmmFlowState> FlaggedStates()
    {
        var range = AccessPath.ForVariable(Variables[3])!;
        var registered = RangeValue.Registering(Calls[0], 0, onlyRegistration: true).Decided(true);
        var leaves = new List<HmmFlowState>();
        bool?[] values = { true, false, null };
        foreach (var a in values)
        {
            foreach (var b in values)
            {
                foreach (var c in values)
                {
                    var state = HmmFlowState.Empty.WithFlag(Variables[0], a).WithFlag(Variables[1], b).WithFlag(Variables[2], c);
                    leaves.Add(state);
                    leaves.Add(state.WithRange(range, registered));
                }
            }
        }

        return leaves;
    }

    [Fact]
    public void State_joins_kept_apart_by_flags_form_a_lattice()
    {
        var leaves = FlaggedStates();
        var random = new Random(13);
        var values = new List<HmmFlowState>(leaves);
        for (var i = 0; i < 40; i++)
        {
            var joined = leaves[random.Next(leaves.Count)];
            for (var n = random.Next(1, 6); n > 0; n--)
            {
                joined = joined.Join(leaves[random.Next(leaves.Count)]);
            }

            values.Add(joined);
        }

        Assert.Contains(values, value => value.IsSplit);
        var sample = Enumerable.Range(0, 48).Select(_ => values[random.Next(values.Count)]).Concat(values.Skip(leaves.Count)).ToList();
        AssertLattice(sample, (a, b) => a.Join(b));
    }

    [Fact]
    public void A_flag_test_after_the_join_takes_the_paths_that_set_it_so()
    {
        var range = AccessPath.ForVariable(Variables[3])!;
        var registered = HmmFlowState.Empty.WithFlag(Variables[0], true)
            .WithRange(range, RangeValue.Registering(Calls[0], 0, onlyRegistration: true).Decided(true));
        var skipped = HmmFlowState.Empty.WithFlag(Variables[0], false);

        var joined = registered.Join(skipped);

        Assert.True(joined.IsSplit);
        Assert.True(joined.Range(range).MayLeak);
        var whenSet = joined.Map(Variables[0], (way, flag) => way.Flags.TryGetValue(flag, out var value) && !value.Value ? null : way);
        var whenClear = joined.Map(Variables[0], (way, flag) => way.Flags.TryGetValue(flag, out var value) && value.Value ? null : way);
        Assert.Equal(RangeFacts.Registered, whenSet!.Range(range).Facts);
        Assert.Equal(RangeFacts.NotRegistered, whenClear!.Range(range).Facts);
    }
}
