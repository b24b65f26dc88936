using LegacyDrivers.Scenarios;

// LegacyDrivers.Runner [name ...] [--repeat N]: prints the device-side view of each named
// scenario (all by default); --repeat runs them N times, printing the first run, so that
// dotnet-counters has a run long enough to watch.
int repeat = 1;
var names = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--repeat" && i + 1 < args.Length && int.TryParse(args[i + 1], out repeat) && repeat > 0)
    {
        i++;
    }
    else if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine("usage: LegacyDrivers.Runner [name ...] [--repeat N]  (N > 0)");
        return 2;
    }
    else
    {
        names.Add(args[i]);
    }
}

var selected = DriverScenarios.All.Where(s => names.Count == 0 || names.Contains(s.Name)).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no such scenario; known: {string.Join(", ", DriverScenarios.All.Select(s => s.Name))}");
    return 2;
}

for (int round = 0; round < repeat; round++)
{
    foreach (var (_, run) in selected)
    {
        string view = run();
        if (round == 0)
        {
            Console.Write(view);
            Console.WriteLine();
        }
    }
}

return 0;
