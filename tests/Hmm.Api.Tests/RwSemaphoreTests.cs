namespace Hmm.Api.Tests;

/// <summary>The rw_semaphore model: many readers or one writer, no thread affinity.</summary>
public class RwSemaphoreTests
{
    [Fact]
    public void Readers_share_and_exclude_a_writer()
    {
        var sem = new RwSemaphore();
        sem.DownRead();
        Assert.True(sem.TryDownRead());
        Assert.False(sem.TryDownWrite());
        sem.UpRead();
        sem.UpRead();
        Assert.True(sem.TryDownWrite());
        Assert.True(sem.IsWriteLocked);
        Assert.False(sem.TryDownRead());
        Assert.False(sem.TryDownWrite());
        sem.UpWrite();
        Assert.False(sem.IsReadLocked || sem.IsWriteLocked);
    }

    [Fact]
    public async Task Another_thread_may_release_what_one_thread_took()
    {
        var sem = new RwSemaphore();
        sem.DownWrite();
        await Task.Run(sem.UpWrite);
        await Task.Run(sem.DownRead);
        sem.UpRead();
        Assert.False(sem.IsReadLocked);
    }

    [Fact]
    public async Task A_waiting_writer_holds_off_new_readers()
    {
        var sem = new RwSemaphore();
        sem.DownRead();
        var writer = Task.Run(() =>
        {
            sem.DownWrite();
            sem.UpWrite();
        });
        bool heldOff = SpinWait.SpinUntil(
            () =>
            {
                if (!sem.TryDownRead())
                    return true;
                sem.UpRead();
                return false;
            },
            TimeSpan.FromSeconds(10));
        Assert.True(heldOff);
        Assert.False(writer.IsCompleted);
        sem.UpRead();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(sem.TryDownRead());
        sem.UpRead();
    }

    [Fact]
    public void Releasing_what_is_not_held_is_a_programming_error()
    {
        var sem = new RwSemaphore();
        Assert.Throws<InvalidOperationException>(sem.UpRead);
        Assert.Throws<InvalidOperationException>(sem.UpWrite);
        sem.DownRead();
        Assert.Throws<InvalidOperationException>(sem.UpWrite);
        sem.UpRead();
    }
}
