namespace LegacyDrivers.Scenarios;

/// <summary>
/// The runtime's AppContext switch Hmm.StrictMirrorScope: on, a legacy call made while no mirror
/// of its mm is registered throws instead of creating the per-mm state. A test host sets it at
/// start-up (runtimeconfig.json or RuntimeHostConfigurationOption); this sets it for one block.
/// </summary>
public static class StrictMirrorScopeSwitch
{
    public const string Name = "Hmm.StrictMirrorScope";

    public static bool IsOn => AppContext.TryGetSwitch(Name, out bool on) && on;

    /// <summary>Runs <paramref name="body"/> with the switch <paramref name="on"/> or off, then restores it.</summary>
    public static T Run<T>(bool on, Func<T> body)
    {
        bool was = IsOn;
        AppContext.SetSwitch(Name, on);
        try
        {
            return body();
        }
        finally
        {
            AppContext.SetSwitch(Name, was);
        }
    }
}
