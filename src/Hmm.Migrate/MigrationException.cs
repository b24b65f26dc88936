namespace Hmm.Migrate;

/// <summary>Thrown for input that cannot be migrated at all; carries the exit code.</summary>
internal sealed class MigrationException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
