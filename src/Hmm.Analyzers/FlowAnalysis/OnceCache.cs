using System.Collections.Concurrent;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// Values computed once per key and shared by every asker, that never keep a failure. A
/// <see cref="Lazy{T}"/> that threw keeps throwing, and its factory carries the first asker's
/// cancellation token: an IDE pass cancelled midway would leave its
/// <see cref="OperationCanceledException"/> to the next ask on the same compilation. Here a
/// computation that throws leaves no entry; an asker whose own token is not cancelled computes
/// again with its own.
/// </summary>
internal static class OnceCache
{
    // Another asker's cancellation reaches a waiter at most once per asker ahead of it; past a
    // few, an exception that only looks like a cancellation is passed on.
    private const int MaxAttempts = 4;

    public static TValue GetOrCompute<TKey, TState, TValue>(
        ConcurrentDictionary<TKey, Lazy<TValue>> cache, TKey key, TState state, Func<TState, CancellationToken, TValue> compute, CancellationToken cancellationToken)
        where TKey : notnull
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!cache.TryGetValue(key, out var lazy))
            {
                lazy = cache.GetOrAdd(key, NewLazy(state, compute, cancellationToken));
            }

            try
            {
                return lazy.Value;
            }
            catch (Exception exception)
            {
                // Only this failed entry: another asker may have put a good one in its place.
                ((ICollection<KeyValuePair<TKey, Lazy<TValue>>>)cache).Remove(new KeyValuePair<TKey, Lazy<TValue>>(key, lazy));
                if (exception is not OperationCanceledException || cancellationToken.IsCancellationRequested || attempt == MaxAttempts)
                {
                    throw;
                }
            }
        }
    }

    // A method of its own: the factory's closure is made only when the key is not cached yet.
    private static Lazy<TValue> NewLazy<TState, TValue>(TState state, Func<TState, CancellationToken, TValue> compute, CancellationToken cancellationToken) =>
        new(() => compute(state, cancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
}
