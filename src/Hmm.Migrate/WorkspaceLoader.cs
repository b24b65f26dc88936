using System.Diagnostics;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.MSBuild;

namespace Hmm.Migrate;

/// <summary>Finds the input and loads it with MSBuildWorkspace.</summary>
internal static class WorkspaceLoader
{
    private static readonly object LocatorGate = new();

    /// <summary>The bundled sample: samples/LegacyDrivers, above the current directory or the tool.</summary>
    public const string DefaultInput = "samples/LegacyDrivers/LegacyDrivers.csproj";

    /// <summary>
    /// The input to use, as dotnet build finds it: the given file, the one project or solution in
    /// the given folder, or with no path the one in <paramref name="currentDirectory"/>. This
    /// repository's root (it holds the bundled sample) and a folder with no project or solution
    /// take the bundled sample, found above the folder or the tool, and say so.
    /// </summary>
    public static string ResolveInput(string? path, string currentDirectory, Progress progress)
    {
        if (path is not null)
        {
            string full = Path.GetFullPath(path, currentDirectory);
            if (Directory.Exists(full))
            {
                return InFolder(full, path) ?? throw new MigrationException(ExitCodes.BadInput, $"'{path}' is a directory with no .sln, .slnx or .csproj file in it");
            }

            if (!File.Exists(full))
            {
                throw new MigrationException(ExitCodes.BadInput, $"'{path}' does not exist");
            }

            if (!IsInputFile(full))
            {
                throw new MigrationException(ExitCodes.BadInput, $"'{path}' is not a .sln, .slnx or .csproj file");
            }

            return full;
        }

        // The repository's root holds the tool's own solution: README's first command, run
        // there, migrates the sample.
        string sampleHere = Path.Combine(currentDirectory, DefaultInput);
        if (File.Exists(sampleHere))
        {
            progress.Report($"no input given: migrating the bundled sample {DefaultInput} (this folder is the hmm-analyzers repository)");
            return sampleHere;
        }

        if (InFolder(currentDirectory, currentDirectory) is { } found)
        {
            return found;
        }

        foreach (string start in new[] { currentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, DefaultInput);
                if (File.Exists(candidate))
                {
                    progress.Report($"no input given and no .sln, .slnx or .csproj in the current folder: migrating the bundled sample {candidate}");
                    return candidate;
                }
            }
        }

        throw new MigrationException(ExitCodes.BadInput, $"no input given and the current folder ({currentDirectory}) holds no .sln, .slnx or .csproj file; give one");
    }

    private static bool IsInputFile(string path) => Path.GetExtension(path).ToLowerInvariant() is ".sln" or ".slnx" or ".csproj";

    // The one project or solution file in a folder, as dotnet build takes it (MSB1011 when several).
    private static string? InFolder(string folder, string shown)
    {
        var candidates = Directory.EnumerateFiles(folder).Where(IsInputFile).Order(StringComparer.Ordinal).ToList();
        if (candidates.Count > 1)
        {
            throw new MigrationException(ExitCodes.BadInput, $"'{shown}' holds several project or solution files ({string.Join(", ", candidates.Select(Path.GetFileName))}); give the one to migrate");
        }

        return candidates.FirstOrDefault();
    }

    /// <summary>Makes the .NET SDK's MSBuild the one this process loads (once per process).</summary>
    public static void RegisterMsBuild()
    {
        lock (LocatorGate)
        {
            if (MSBuildLocator.IsRegistered)
            {
                return;
            }

            var instance = MSBuildLocator.QueryVisualStudioInstances()
                .OrderByDescending(i => i.Version)
                .FirstOrDefault();
            if (instance is null)
            {
                throw new MigrationException(ExitCodes.LoadFailed, "no .NET SDK found (MSBuild is needed to load projects); install the .NET SDK or set DOTNET_ROOT");
            }

            MSBuildLocator.RegisterInstance(instance);
        }
    }

    public static async Task<LoadedInput> LoadAsync(string inputPath, bool restore, Progress progress, CancellationToken cancellationToken)
    {
        RegisterMsBuild();
        if (restore)
        {
            long restoreStart = Stopwatch.GetTimestamp();
            await RestoreAsync(inputPath, progress, cancellationToken);
            progress.Timing("restore", restoreStart);
        }

        long loadStart = Stopwatch.GetTimestamp();
        var loaded = await OpenAsync(inputPath, progress, cancellationToken);
        progress.Timing("load", loadStart);
        return loaded;
    }

    /// <summary>
    /// dotnet restore, as dotnet format does before it loads: without the restore's assets file a
    /// project loads without its references and no HMM call binds.
    /// </summary>
    private static async Task RestoreAsync(string inputPath, Progress progress, CancellationToken cancellationToken)
    {
        progress.Report($"restoring {inputPath}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            ArgumentList = { "restore", inputPath, "--verbosity", "quiet", "-nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new MigrationException(ExitCodes.LoadFailed, "could not start 'dotnet restore'");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            string log = ((await output) + (await error)).Trim();
            throw new MigrationException(ExitCodes.LoadFailed, $"'{inputPath}' does not load: dotnet restore failed{Environment.NewLine}{log}");
        }
    }

    // Kept apart from RegisterMsBuild so that no MSBuild type is touched before the locator ran.
    private static async Task<LoadedInput> OpenAsync(string inputPath, Progress progress, CancellationToken cancellationToken)
    {
        var workspace = MSBuildWorkspace.Create();
        var failures = new List<string>();
        using var subscription = workspace.RegisterWorkspaceFailedHandler(e =>
        {
            if (e.Diagnostic.Kind == WorkspaceDiagnosticKind.Failure)
            {
                lock (failures)
                {
                    failures.Add(e.Diagnostic.Message);
                }
            }
        });

        progress.Report($"loading {inputPath}");
        Solution solution;
        ProjectId? single = null;
        try
        {
            if (Path.GetExtension(inputPath).Equals(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                Project project = await workspace.OpenProjectAsync(inputPath, cancellationToken: cancellationToken);
                (solution, single) = (project.Solution, project.Id);
            }
            else
            {
                solution = await workspace.OpenSolutionAsync(inputPath, cancellationToken: cancellationToken);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or FormatException or ArgumentException or AggregateException)
        {
            workspace.Dispose();
            throw new MigrationException(ExitCodes.LoadFailed, $"'{inputPath}' does not load: {e.Message}");
        }

        var projects = solution.Projects.Where(p => p.Language == LanguageNames.CSharp && (single is null || p.Id == single)).ToList();
        if (projects.Count == 0 || projects.All(p => !p.DocumentIds.Any()))
        {
            workspace.Dispose();
            string why = failures.Count > 0 ? string.Join(Environment.NewLine + "  ", failures) : "it has no C# project with source files";
            throw new MigrationException(ExitCodes.LoadFailed, $"'{inputPath}' does not load:{Environment.NewLine}  {why}");
        }

        // An analyzer the project references but that is not built yet (a ProjectReference with
        // OutputItemType="Analyzer" before the first build) cannot load; Roslyn's workspace
        // would throw on it. The HMM analyzers run from this tool, not from the project.
        foreach (Project project in solution.Projects)
        {
            foreach (var unresolved in project.AnalyzerReferences.OfType<UnresolvedAnalyzerReference>())
            {
                solution = solution.RemoveAnalyzerReference(project.Id, unresolved);
                progress.Report($"{project.Name}: analyzer {unresolved.Display} is not built; left out");
            }
        }

        progress.Report($"loaded {projects.Count} project(s): {string.Join(", ", projects.Select(p => p.Name))}");
        return new LoadedInput(workspace, solution, projects.Select(p => p.Id).ToHashSet(), Path.GetDirectoryName(inputPath)!, failures);
    }
}
