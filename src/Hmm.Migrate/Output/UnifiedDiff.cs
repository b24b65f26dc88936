using System.Text;
using DiffPlex.Renderer;

namespace Hmm.Migrate.Output;

/// <summary>The changes as one unified diff, a/ and b/ prefixed like git's and spatch's.</summary>
internal static class UnifiedDiff
{
    public static string Render(IEnumerable<FileChange> changes)
    {
        var diff = new StringBuilder();
        foreach (FileChange change in changes)
        {
            string text = UnidiffRenderer.GenerateUnidiff(
                Normalize(change.OldText), Normalize(change.NewText), "a/" + change.File, "b/" + change.File,
                ignoreWhitespace: false, ignoreCase: false, contextLines: 3);
            diff.Append(text);
            if (text.Length > 0 && text[^1] != '\n')
            {
                diff.Append('\n');
            }
        }

        return diff.ToString();
    }

    // Line endings are not part of the migration: compare lines, not terminators.
    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
