using System.Collections;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// An immutable map for the few entries a dataflow state holds (the mirrors, ranges and result
/// variables a body touches at one point, rarely more than a handful): an array searched in
/// order, so a lookup hashes nothing and a change is one allocation. An ImmutableDictionary costs
/// several nodes per change and an allocating enumerator per walk, which the joins do at every block.
/// </summary>
internal sealed class SmallMap<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
    where TValue : class
{
    private readonly KeyValuePair<TKey, TValue>[] entries;
    private readonly IEqualityComparer<TKey> comparer;

    private SmallMap(KeyValuePair<TKey, TValue>[] entries, IEqualityComparer<TKey> comparer)
    {
        this.entries = entries;
        this.comparer = comparer;
    }

    public static SmallMap<TKey, TValue> Empty(IEqualityComparer<TKey> comparer) => new(Array.Empty<KeyValuePair<TKey, TValue>>(), comparer);

    public int Count => entries.Length;

    public bool IsEmpty => entries.Length == 0;

    public bool TryGetValue(TKey key, out TValue value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? entries[index].Value : null!;
        return index >= 0;
    }

    public bool ContainsKey(TKey key) => IndexOf(key) >= 0;

    /// <summary>The map with <paramref name="key"/> set to <paramref name="value"/>; this one when it already is.</summary>
    public SmallMap<TKey, TValue> SetItem(TKey key, TValue value)
    {
        var index = IndexOf(key);
        if (index >= 0)
        {
            if (ReferenceEquals(entries[index].Value, value))
            {
                return this;
            }

            var changed = (KeyValuePair<TKey, TValue>[])entries.Clone();
            changed[index] = new KeyValuePair<TKey, TValue>(entries[index].Key, value);
            return new SmallMap<TKey, TValue>(changed, comparer);
        }

        var added = new KeyValuePair<TKey, TValue>[entries.Length + 1];
        Array.Copy(entries, added, entries.Length);
        added[entries.Length] = new KeyValuePair<TKey, TValue>(key, value);
        return new SmallMap<TKey, TValue>(added, comparer);
    }

    /// <summary>The map without <paramref name="key"/>; this one when it has none.</summary>
    public SmallMap<TKey, TValue> Remove(TKey key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return this;
        }

        var removed = new KeyValuePair<TKey, TValue>[entries.Length - 1];
        Array.Copy(entries, 0, removed, 0, index);
        Array.Copy(entries, index + 1, removed, index, entries.Length - index - 1);
        return new SmallMap<TKey, TValue>(removed, comparer);
    }

    public Enumerator GetEnumerator() => new(entries);

    IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator() => ((IEnumerable<KeyValuePair<TKey, TValue>>)entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => entries.GetEnumerator();

    /// <summary>Walks the entries without allocating.</summary>
    public struct Enumerator
    {
        private readonly KeyValuePair<TKey, TValue>[] entries;
        private int index;

        internal Enumerator(KeyValuePair<TKey, TValue>[] entries)
        {
            this.entries = entries;
            index = -1;
        }

        public readonly KeyValuePair<TKey, TValue> Current => entries[index];

        public bool MoveNext() => ++index < entries.Length;
    }

    private int IndexOf(TKey key)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            if (comparer.Equals(entries[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
