using LegacyDrivers.Scenarios;

var selected = DriverScenarios.All.Where(s => args.Length == 0 || args.Contains(s.Name)).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no such scenario; known: {string.Join(", ", DriverScenarios.All.Select(s => s.Name))}");
    return 2;
}

foreach (var (_, run) in selected)
{
    Console.Write(run());
    Console.WriteLine();
}

return 0;
