namespace Hmm.Api.Tests;

/// <summary>Compiles a call to every member api.md lists, and checks what each returns: the
/// contract the samples, the analyzers and users' driver code build against.</summary>
public class PublicSurfaceTests
{
    private sealed class Ops : IHmmMirrorOps
    {
        public int Syncs;
        public int Releases;

        public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
        {
            Syncs++;
            return update.Blockable ? 0 : -Errno.EAGAIN;
        }

        public void Release(HmmMirror mirror) => Releases++;
    }

    [Fact]
    public void Every_listed_member_is_callable_and_behaves()
    {
        // Address space
        var mm = new MmStruct();
        RwSemaphore sem = mm.MmapSem;
        Vma vma = mm.Mmap(0x10000, 0x4000, VmFlags.Read | VmFlags.Write | VmFlags.Exec);
        Assert.Equal((0x10000UL, 0x14000UL, VmFlags.Read | VmFlags.Write | VmFlags.Exec), (vma.Start, vma.End, vma.Flags));
        Assert.Same(mm, vma.Mm);
        Assert.Same(vma, mm.FindVma(0x10000));
        Assert.Equal(0, mm.Touch(0x10000, write: true));
        Assert.Equal(0, mm.Mprotect(0x13000, 0x1000, VmFlags.Read));
        Assert.Equal(-Errno.EPERM, mm.Touch(0x13000, write: true));
        Assert.Equal(0, mm.Munmap(0x12000, 0x1000));
        Assert.Equal(-Errno.EFAULT, mm.Touch(0x12000, write: false));
        Assert.Equal(VmFlags.None, VmFlags.Io & VmFlags.PfnMap);

        sem.DownRead();
        Assert.True(sem.TryDownRead());
        sem.UpRead();
        sem.UpRead();
        sem.DownWrite();
        sem.UpWrite();
        Assert.True(sem.TryDownWrite());
        sem.UpWrite();

        // Mirrors
        var ops = new Ops();
        var mirror = new HmmMirror(ops);
        Assert.Same(ops, mirror.Ops);
        Assert.False(mirror.IsRegistered);
        Assert.Null(mirror.Mm);
        Assert.Equal(0, HmmApi.MirrorRegister(mirror, mm));
        Assert.True(mirror.IsRegistered);
        Assert.Same(mm, mirror.Mm);
        Assert.True(HmmApi.MirrorMmIsAlive(mirror));
        using HmmMirror other = HmmMirror.Register(mm, new Ops());
        var update = new HmmUpdate(1, 2, HmmUpdateEvent.Invalidate, Blockable: true);
        Assert.Equal((1UL, 2UL, HmmUpdateEvent.Invalidate, true), (update.Start, update.End, update.Event, update.Blockable));

        // Ranges
        var range = new HmmRange
        {
            Vma = vma,
            Start = 0x10000,
            End = 0x12000,
            Pfns = new ulong[2],
            Flags = new ulong[] { 1, 2, 4 },
            Values = new ulong[] { 0xE, 0, 0xC },
            DefaultFlags = 1,
            PfnFlagsMask = 0,
            PfnShift = 3,
        };
        Assert.Equal((int)HmmPfnFlag.Valid, 0);
        Assert.Equal((int)HmmPfnFlag.Write, 1);
        Assert.Equal((int)HmmPfnFlag.DevicePrivate, 2);
        Assert.Equal(((int)HmmPfnValue.Error, (int)HmmPfnValue.None, (int)HmmPfnValue.Special), (0, 1, 2));

        Assert.Equal(0, HmmApi.RangeRegister(range, mirror, 0x10000, 0x12000, HmmApi.PageShift));
        Assert.Equal(HmmApi.PageShift, range.PageShift);
        Assert.True(range.Valid);
        Assert.True(HmmApi.RangeValid(range));
        Assert.True(HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout));
        mm.MmapSem.DownRead();
        Assert.Equal(2, HmmApi.RangeSnapshot(range));
        Assert.Equal(2, HmmApi.RangeFault(range, block: true));
        mm.MmapSem.UpRead();
        Assert.Equal(0UL, range.Pfns![1] & 2); // the zero page: valid, not writable
        Assert.True(HmmApi.VmaRangeDone(range));
        Assert.False(range.Valid);

        Assert.Equal(0, HmmApi.RangeRegister(range, mirror, 0x10000, 0x12000, HmmApi.PageShift));
        HmmApi.RangeUnregister(range);

        mm.MmapSem.DownRead();
        Assert.Equal(0, HmmApi.VmaFault(mirror, range, block: true));
        Assert.True(HmmApi.VmaRangeDone(range));
        Assert.Equal(0, HmmApi.VmaFault(range, block: false));
        Assert.True(HmmApi.VmaRangeDone(range));
        mm.MmapSem.UpRead();

        Assert.Equal(0, mm.Touch(0x11000, write: true)); // copies the zero page: mirrors hear of it

        // Legacy register through the mm.
        Assert.Equal(0, HmmApi.RangeRegister(range, mm, 0x10000, 0x11000, HmmApi.PageShift));
        HmmApi.RangeUnregister(range);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), HmmApi.DefaultTimeout);

        // Exit
        mm.Exit();
        Assert.Equal(1, ops.Releases);
        Assert.False(HmmApi.MirrorMmIsAlive(mirror));
        Assert.Equal(-Errno.EFAULT, HmmApi.RangeRegister(range, mirror, 0x10000, 0x11000, HmmApi.PageShift));
        HmmApi.MirrorUnregister(mirror);
        mirror.Dispose();
        Assert.True(ops.Syncs > 0);

        var ex = new HmmException(Errno.EBUSY, "busy");
        Assert.Equal(16, ex.Errno);
        Assert.Equal((1, 11, 12, 14, 16, 22), (Errno.EPERM, Errno.EAGAIN, Errno.ENOMEM, Errno.EFAULT, Errno.EBUSY, Errno.EINVAL));
    }

    [Fact]
    public void Legacy_overloads_are_hidden_from_intellisense_but_not_obsolete()
    {
        var legacy = typeof(HmmApi).GetMethods()
            .Where(m => (m.Name == nameof(HmmApi.RangeRegister) && m.GetParameters()[1].ParameterType == typeof(MmStruct))
                || (m.Name == nameof(HmmApi.VmaFault) && m.GetParameters().Length == 2))
            .ToList();

        Assert.Equal(2, legacy.Count);
        foreach (var method in legacy)
        {
            var browsable = method.GetCustomAttributes(typeof(System.ComponentModel.EditorBrowsableAttribute), false)
                .Cast<System.ComponentModel.EditorBrowsableAttribute>().Single();
            Assert.Equal(System.ComponentModel.EditorBrowsableState.Never, browsable.State);
            Assert.Empty(method.GetCustomAttributes(typeof(ObsoleteAttribute), false));
        }
    }

    [Fact]
    public void The_exported_types_are_the_listed_ones()
    {
        Assert.Equal(
            ["Errno", "HmmApi", "HmmException", "HmmMirror", "HmmPfnFlag", "HmmPfnValue", "HmmRange", "HmmUpdate",
             "HmmUpdateEvent", "IHmmMirrorOps", "MmStruct", "PageInfo", "PageKind", "RwSemaphore", "VmFlags", "Vma"],
            typeof(HmmApi).Assembly.GetExportedTypes().Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_event_source_is_Hmm_Api_with_the_legacy_events_and_their_payload()
    {
        var source = typeof(HmmApi).Assembly.GetTypes().Single(t => t.IsSubclassOf(typeof(System.Diagnostics.Tracing.EventSource)));
        Assert.Equal("Hmm-Api", System.Diagnostics.Tracing.EventSource.GetName(source));
        var manifest = System.Xml.Linq.XDocument.Parse(System.Diagnostics.Tracing.EventSource.GenerateManifest(source, null)!);
        var elements = manifest.Descendants().ToList();
        // EventSourceMessage is every EventSource's own.
        var events = elements.Where(e => e.Name.LocalName == "event" && (string)e.Attribute("symbol")! != "EventSourceMessage").ToList();
        Assert.Equal(["LegacyRangeRegister", "LegacyVmaFault"], events.Select(e => (string)e.Attribute("symbol")!).Order(StringComparer.Ordinal));
        foreach (var e in events)
        {
            var template = elements.Single(t => t.Name.LocalName == "template" && (string)t.Attribute("tid")! == (string)e.Attribute("template")!);
            var data = Assert.Single(template.Elements());
            Assert.Equal(("hasLiveMirror", "win:Boolean"), ((string)data.Attribute("name")!, (string)data.Attribute("inType")!));
        }
        Assert.Equal("Hmm.StrictMirrorScope", StrictMirrorScope.SwitchName);
    }
}
