using Hmm;
using LegacyDrivers.Device;

namespace LegacyDrivers.Scenarios;

/// <summary>
/// One CPU-side script, run against each driver: map, device read, CPU write, residency, device write,
/// mprotect, a refused write, munmap, process exit. Returns the device-side view after every
/// step as stable text.
/// </summary>
public static class Scenario
{
    /// <summary>Where the script maps its four pages.</summary>
    public const ulong Base = 0x100000;

    private const ulong Page = PfnEncoding.PageSize;

    public static string Run(string name, Func<MmStruct, IScenarioDriver> attach)
    {
        var log = new ScenarioLog();
        log.Note($"# {name}");
        var mm = new MmStruct();
        mm.Mmap(Base, 4 * Page, VmFlags.Read | VmFlags.Write);
        log.Note($"mmap 0x{Base:x} 4 pages rw");

        using IScenarioDriver driver = attach(mm);
        log.View(driver.Device);

        log.Step("device read [0, 2)", driver.Access(Base, Base + 2 * Page, write: false));
        log.View(driver.Device);

        // The device maps page 1 read-only; the CPU's write replaces the page under it.
        log.Step("cpu write page 1", mm.Touch(Base + Page, write: true));
        log.View(driver.Device);
        log.Note("residency [0, 4): " + driver.QueryResidency(Base, Base + 4 * Page));

        log.Step("device write [0, 3)", driver.Access(Base, Base + 3 * Page, write: true));
        log.View(driver.Device);

        log.Step("mprotect [0, 4) r", mm.Mprotect(Base, 4 * Page, VmFlags.Read));
        log.View(driver.Device);

        log.Step("device write [0, 1)", driver.Access(Base, Base + Page, write: true));
        log.Step("device read [0, 4)", driver.Access(Base, Base + 4 * Page, write: false));
        log.View(driver.Device);

        log.Step("munmap [3, 4)", mm.Munmap(Base + 3 * Page, Page));
        log.View(driver.Device);
        log.Step("device read [3, 4)", driver.Access(Base + 3 * Page, Base + 4 * Page, write: false));

        mm.Exit();
        log.Note("exit");
        log.View(driver.Device);
        return log.ToString();
    }
}
