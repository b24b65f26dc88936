using Hmm.Analyzers.FlowAnalysis;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// The map behind each dataflow state: immutable, and a change that changes nothing hands back
/// the same map, which is how a join tells the fixpoint that a block's state is unchanged.
/// </summary>
public class SmallMapTests
{
    private static readonly SmallMap<string, string> Empty = SmallMap<string, string>.Empty(StringComparer.Ordinal);

    [Fact]
    public void Set_adds_and_replaces_without_touching_the_original()
    {
        var one = Empty.SetItem("mirror", "live");
        var two = one.SetItem("range", "registered");
        var replaced = two.SetItem("mirror", "unregistered");

        Assert.True(Empty.IsEmpty);
        Assert.Equal(new[] { "mirror" }, one.Select(p => p.Key));
        Assert.True(two.TryGetValue("range", out var range) && range == "registered");
        Assert.True(replaced.TryGetValue("mirror", out var mirror) && mirror == "unregistered");
        Assert.True(two.TryGetValue("mirror", out var before) && before == "live");
        Assert.Equal(2, replaced.Count);
    }

    [Fact]
    public void Remove_drops_only_that_key_and_keeps_the_order()
    {
        var map = Empty.SetItem("a", "1").SetItem("b", "2").SetItem("c", "3");

        var removed = map.Remove("b");

        Assert.Equal(new[] { "a", "c" }, removed.Select(p => p.Key));
        Assert.False(removed.ContainsKey("b"));
        Assert.True(map.ContainsKey("b"));
    }

    [Fact]
    public void A_change_that_changes_nothing_returns_the_same_map()
    {
        var value = "live";
        var map = Empty.SetItem("mirror", value);

        Assert.Same(map, map.SetItem("mirror", value));
        Assert.Same(map, map.Remove("range"));
        Assert.False(map.TryGetValue("range", out _));
    }

    [Fact]
    public void Keys_compare_with_the_maps_comparer()
    {
        var map = SmallMap<string, string>.Empty(StringComparer.OrdinalIgnoreCase).SetItem("Mirror", "live");

        Assert.True(map.ContainsKey("MIRROR"));
        Assert.Equal(1, map.SetItem("mirror", "gone").Count);
    }
}
