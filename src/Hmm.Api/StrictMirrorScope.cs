namespace Hmm;

/// <summary>The AppContext switch <c>Hmm.StrictMirrorScope</c>: when on, a legacy call made
/// while no mirror of its mm is registered is refused, before it changes anything. Read at each
/// legacy call (not cached), so <see cref="AppContext.SetSwitch"/> takes effect at once; set at
/// start-up it comes from runtimeconfig.json's configProperties, as .NET's own switches do.</summary>
internal static class StrictMirrorScope
{
    internal const string SwitchName = "Hmm.StrictMirrorScope";

    internal static bool IsOn => AppContext.TryGetSwitch(SwitchName, out bool on) && on;

    /// <summary>Writes the call's event and, under the switch, refuses a call whose mm has no
    /// registered mirror. <paramref name="call"/> names the call as the driver wrote it.</summary>
    /// <exception cref="InvalidOperationException">The switch is on and no mirror of
    /// <paramref name="mm"/> is registered.</exception>
    internal static void Check(MmStruct mm, string call, Action<bool> writeEvent)
    {
        bool hasLiveMirror = mm.HasLiveMirror;
        writeEvent(hasLiveMirror);
        if (!hasLiveMirror && IsOn)
        {
            throw new InvalidOperationException(
                $"{call} was called for mm #{mm.Id}, which has no registered mirror (HMM002: range registered " +
                "outside a live mirror scope). Register a mirror of that mm and pass it to the mirror-based " +
                $"overload. The call was refused and changed nothing because the AppContext switch {SwitchName} is on.");
        }
    }
}
