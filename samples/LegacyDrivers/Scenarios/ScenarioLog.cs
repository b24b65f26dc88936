using System.Text;
using LegacyDrivers.Device;

namespace LegacyDrivers.Scenarios;

/// <summary>
/// The text a scenario produces: each step, its result, and the device's page table after it.
/// Page frames are named p0, p1, ... in order of first appearance, so the text depends on which
/// CPU pages the device maps, not on the runtime's frame numbering.
/// </summary>
public sealed class ScenarioLog
{
    private readonly StringBuilder text = new();
    private readonly Dictionary<ulong, string> pfnNames = [];

    public void Step(string what, long result) => text.Append($"{what} = {result}\n");

    public void Note(string what) => text.Append(what).Append('\n');

    public void View(MirroredDevice device)
    {
        lock (device.UpdateLock)
        {
            text.Append(device.Released ? "device view (released):\n" : "device view:\n");
            text.Append(device.PageTable.Dump(PfnName));
        }
    }

    public override string ToString() => text.ToString();

    private string PfnName(ulong pfn)
    {
        if (!pfnNames.TryGetValue(pfn, out string? name))
        {
            name = $"p{pfnNames.Count}";
            pfnNames.Add(pfn, name);
        }

        return name;
    }
}
