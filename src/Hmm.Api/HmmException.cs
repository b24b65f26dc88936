namespace Hmm;

/// <summary>An errno outcome surfaced as an exception by the convenience API
/// (<see cref="HmmMirror.Register"/>).</summary>
public sealed class HmmException : Exception
{
    /// <summary>Creates the exception for <paramref name="errno"/> (either sign; stored positive).</summary>
    public HmmException(int errno, string message)
        : base(message)
    {
        Errno = Math.Abs(errno);
    }

    /// <summary>The positive errno, e.g. <see cref="Hmm.Errno.EFAULT"/>.</summary>
    public int Errno { get; }
}
