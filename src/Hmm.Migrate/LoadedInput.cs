using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;

namespace Hmm.Migrate;

/// <summary>
/// The loaded input: the solution, the projects to migrate (a .csproj's referenced projects
/// load with it but are not migrated: nothing in them calls into it), and what did not load.
/// </summary>
internal sealed record LoadedInput(MSBuildWorkspace Workspace, Solution Solution, IReadOnlySet<ProjectId> Targets, string BaseDirectory, IReadOnlyList<string> Failures);
