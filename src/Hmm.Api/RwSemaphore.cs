namespace Hmm;

/// <summary>Kernel rw_semaphore: many readers or one writer, with no thread affinity (one thread
/// may take it and another release it, as <c>hmm_range_fault</c> and <c>hmm_vma_fault</c> do with
/// mmap_sem). Waiting writers hold off new readers, so taking it for read twice on one thread can
/// deadlock, as in the kernel.</summary>
public sealed class RwSemaphore
{
    private readonly object gate = new();
    private int readers;
    private bool writer;
    private int waitingWriters;

    /// <summary>down_read: waits until no writer holds or waits for the semaphore.</summary>
    public void DownRead()
    {
        if (LockPoints.Scheduler is { } scheduler)
        {
            scheduler.Point("down_read");
            while (!TryTakeRead())
                scheduler.Blocked("down_read");
            return;
        }
        lock (gate)
        {
            while (writer || waitingWriters > 0)
                Monitor.Wait(gate);
            readers++;
        }
    }

    /// <summary>up_read: releases one read hold. <see cref="InvalidOperationException"/> when
    /// no reader holds it.</summary>
    public void UpRead()
    {
        lock (gate)
        {
            if (readers == 0)
                throw new InvalidOperationException("up_read of a semaphore that is not held for read.");
            if (--readers == 0)
                Monitor.PulseAll(gate);
        }
    }

    /// <summary>down_write: waits until no one holds the semaphore.</summary>
    public void DownWrite()
    {
        if (LockPoints.Scheduler is { } scheduler)
        {
            scheduler.Point("down_write");
            DownWriteControlled(scheduler);
            return;
        }
        lock (gate)
        {
            waitingWriters++;
            try
            {
                while (writer || readers > 0)
                    Monitor.Wait(gate);
            }
            finally
            {
                waitingWriters--;
            }
            writer = true;
        }
    }

    /// <summary>up_write: releases the write hold. <see cref="InvalidOperationException"/> when
    /// it is not held for write.</summary>
    public void UpWrite()
    {
        lock (gate)
        {
            if (!writer)
                throw new InvalidOperationException("up_write of a semaphore that is not held for write.");
            writer = false;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>down_read_trylock: true if taken for read without waiting.</summary>
    public bool TryDownRead()
    {
        LockPoints.At("down_read_trylock");
        return TryTakeRead();
    }

    private bool TryTakeRead()
    {
        lock (gate)
        {
            if (writer || waitingWriters > 0)
                return false;
            readers++;
            return true;
        }
    }

    // down_write under a scheduler: queued as a waiting writer (holding off new readers) and
    // retried each time the scheduler lets the thread run again.
    private void DownWriteControlled(ILockPointScheduler scheduler)
    {
        lock (gate)
            waitingWriters++;
        try
        {
            while (true)
            {
                lock (gate)
                {
                    if (!writer && readers == 0)
                    {
                        writer = true;
                        return;
                    }
                }
                scheduler.Blocked("down_write");
            }
        }
        finally
        {
            lock (gate)
                waitingWriters--;
        }
    }

    /// <summary>down_write_trylock: true if taken for write without waiting.</summary>
    public bool TryDownWrite()
    {
        LockPoints.At("down_write_trylock");
        lock (gate)
        {
            if (writer || readers > 0)
                return false;
            writer = true;
            return true;
        }
    }

    /// <summary>True while someone holds it for read (rwsem_is_locked, read side).</summary>
    public bool IsReadLocked
    {
        get { lock (gate) return readers > 0; }
    }

    /// <summary>True while someone holds it for write.</summary>
    public bool IsWriteLocked
    {
        get { lock (gate) return writer; }
    }

    internal int Readers
    {
        get { lock (gate) return readers; }
    }
}
