using LegacyDrivers.Device;

namespace LegacyDrivers.Scenarios;

/// <summary>What the CPU-side script needs of a driver: device accesses and a residency query.</summary>
public interface IScenarioDriver : IDisposable
{
    /// <summary>The device whose page table the scenario shows.</summary>
    MirroredDevice Device { get; }

    /// <summary>The device accesses [start, end), writing or not: 0 or a negative errno.</summary>
    int Access(ulong start, ulong end, bool write);

    /// <summary>The residency line of [start, end) through the shared helper.</summary>
    string QueryResidency(ulong start, ulong end);
}
