using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;
using DiffPlex.Model;

namespace Hmm.Migrate.Output;

/// <summary>
/// The changes as one unified diff, a/ and b/ prefixed like git's and spatch's, that
/// <c>git apply</c> (and <c>patch -p1</c>) take as it is: each line carries its own ending (a CRLF
/// file's lines keep their CR), a last line without a newline is marked as git marks it, and a
/// file's BOM is part of its first line.
/// </summary>
internal static class UnifiedDiff
{
    private const int Context = 3;

    public static string Render(IEnumerable<FileChange> changes)
    {
        var diff = new StringBuilder();
        foreach (FileChange change in changes)
        {
            string bom = change.Bom ? "\uFEFF" : "";
            AppendFile(diff, change.File, bom + change.OldText, bom + change.NewText);
        }

        return diff.ToString();
    }

    private static void AppendFile(StringBuilder diff, string file, string oldText, string newText)
    {
        var chunker = new CustomFunctionChunker(Lines);
        DiffResult result = Differ.Instance.CreateDiffs(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, chunker);
        if (result.DiffBlocks.Count == 0)
        {
            return;
        }

        IReadOnlyList<string> before = result.PiecesOld;
        IReadOnlyList<string> after = result.PiecesNew;
        diff.Append("--- a/").Append(file).Append('\n');
        diff.Append("+++ b/").Append(file).Append('\n');
        var blocks = result.DiffBlocks.OrderBy(b => b.DeleteStartA).ToList();
        for (int first = 0; first < blocks.Count;)
        {
            // A hunk: blocks whose context would touch or overlap, and three lines either side.
            int last = first;
            while (last + 1 < blocks.Count && blocks[last + 1].DeleteStartA - (blocks[last].DeleteStartA + blocks[last].DeleteCountA) <= 2 * Context)
            {
                last++;
            }

            int startA = Math.Max(0, blocks[first].DeleteStartA - Context);
            int startB = startA + (blocks[first].InsertStartB - blocks[first].DeleteStartA);
            int endA = Math.Min(before.Count, blocks[last].DeleteStartA + blocks[last].DeleteCountA + Context);
            var body = new StringBuilder();
            int a = startA, b = startB, countA = 0, countB = 0;
            for (int i = first; i <= last; i++)
            {
                DiffBlock block = blocks[i];
                for (; a < block.DeleteStartA; a++, b++, countA++, countB++)
                {
                    AppendLine(body, ' ', before[a]);
                }

                for (int k = 0; k < block.DeleteCountA; k++, a++, countA++)
                {
                    AppendLine(body, '-', before[a]);
                }

                for (int k = 0; k < block.InsertCountB; k++, b++, countB++)
                {
                    AppendLine(body, '+', after[b]);
                }
            }

            for (; a < endA; a++, b++, countA++, countB++)
            {
                AppendLine(body, ' ', before[a]);
            }

            // An empty side's start is the line before it (0 at the top of the file).
            diff.Append("@@ -").Append(countA == 0 ? startA : startA + 1).Append(',').Append(countA)
                .Append(" +").Append(countB == 0 ? startB : startB + 1).Append(',').Append(countB).Append(" @@\n")
                .Append(body);
            first = last + 1;
        }
    }

    private static void AppendLine(StringBuilder body, char prefix, string line)
    {
        body.Append(prefix);
        if (line.EndsWith('\n'))
        {
            body.Append(line);
        }
        else
        {
            body.Append(line).Append("\n\\ No newline at end of file\n");
        }
    }

    /// <summary>The lines of <paramref name="text"/>, each with its own ending ("\n", or "\r\n" kept whole).</summary>
    private static string[] Lines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            lines.Add(text[start..end]);
            start = end;
        }

        return [.. lines];
    }
}
