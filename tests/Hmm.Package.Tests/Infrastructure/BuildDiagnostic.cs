using System.Text.RegularExpressions;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>One diagnostic line of MSBuild's console output: <c>file(line,col): warning ID: message (help link) [project]</c>.</summary>
public sealed partial record BuildDiagnostic(string Project, string File, int Line, int Column, string Severity, string Id, string Message, string? HelpLink)
{
    /// <summary>The HMM diagnostics of a build, each once (MSBuild repeats them in its summary).</summary>
    public static IReadOnlyList<BuildDiagnostic> Parse(CliResult build) =>
        build.Output.Split('\n')
            .Select(line => Pattern().Match(line.TrimEnd('\r')))
            .Where(m => m.Success)
            .Select(m => new BuildDiagnostic(
                Path.GetFileNameWithoutExtension(m.Groups["project"].Value),
                Path.GetFileName(m.Groups["file"].Value),
                int.Parse(m.Groups["line"].Value),
                int.Parse(m.Groups["column"].Value),
                m.Groups["severity"].Value,
                m.Groups["id"].Value,
                m.Groups["message"].Value,
                m.Groups["link"].Success ? m.Groups["link"].Value : null))
            .Distinct()
            .ToList();

    [GeneratedRegex(@"^\s*(?<file>[^(]+)\((?<line>\d+),(?<column>\d+)\): (?<severity>warning|error) (?<id>HMM\d{3}): (?<message>.*?)(?: \((?<link>https?://[^ )]+)\))? \[(?<project>[^\]]+)\]$")]
    private static partial Regex Pattern();
}
