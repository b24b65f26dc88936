using System.Text;

namespace Hmm.Analyzers.Tests.Fuzzing;

/// <summary>
/// A seeded generator of driver methods that compile: random bodies nesting every construct that
/// shapes control flow (if/else, loops, foreach, switch statements and expressions with patterns,
/// try/catch/when/finally, using statements and declarations, lock, goto and labels,
/// break/continue, return/throw/yield, lambdas, local functions static and not, async/await,
/// <c>?.</c>, <c>??</c>, <c>?:</c>, out vars, tuples) to a bounded depth, with HMM calls (new and
/// legacy, registrations checked and not) at random places. The same seed gives the same file.
/// </summary>
internal sealed class DriverBodyGenerator
{
    private const int MaxDepth = 3;
    private readonly Random random;
    private int names;

    public DriverBodyGenerator(int seed) => random = new Random(seed);

    private enum MethodKind
    {
        Plain,
        Async,
        Iterator,
    }

    /// <summary>A file of <paramref name="methods"/> driver methods, with the driver types they use.</summary>
    public string File(int methods)
    {
        var text = new StringBuilder("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Hmm;

            static class Driver
            {

            """);
        for (var i = 0; i < methods; i++)
        {
            text.Append(Method($"M{i}"));
        }

        return text.Append("}\n").Append(DriverCode.Types).ToString();
    }

    /// <summary>One driver method, named <paramref name="name"/>.</summary>
    public string Method(string name)
    {
        names = 0;
        var kind = Pick(MethodKind.Plain, MethodKind.Plain, MethodKind.Plain, MethodKind.Async, MethodKind.Iterator);
        var signature = kind switch
        {
            MethodKind.Async => $"static async Task<int> {name}",
            MethodKind.Iterator => $"static IEnumerable<int> {name}",
            _ => $"static int {name}",
        };
        var scope = new Scope(kind, Ranges: new[] { "range", "local" }, Mirror: "mirror", Mm: "mm", Svmm: "svmm", Locals: true);
        var body = new StringBuilder();
        body.Append("        var local = new HmmRange { Start = 0x1000UL, End = 0x3000UL };\n");
        body.Append("        int ret = 0;\n        long n = 0;\n        bool registered = false;\n");
        var statements = random.Next(2, 6);
        for (var i = 0; i < statements; i++)
        {
            body.Append(Statement(scope, depth: 0, indent: "        "));
        }

        body.Append(kind == MethodKind.Iterator ? "        yield return ret;\n" : "        return ret;\n");
        return $"    {signature}(NouveauSvmm svmm, HmmMirror mirror, HmmRange range, MmStruct mm, int code, int[] items, bool populate)\n    {{\n{body}    }}\n\n";
    }

    /// <summary>What a statement may do where it stands.</summary>
    private sealed record Scope(
        MethodKind Kind,
        string[] Ranges,
        string Mirror,
        string? Mm,
        string? Svmm,
        bool Locals,
        bool InLoop = false,
        bool InFinally = false,
        bool InCatch = false,
        bool InTryWithCatch = false,
        bool InLock = false,
        bool ReturnsInt = true,
        bool InLambda = false,
        string Ret = "ret",
        string N = "n");

    private string Statement(Scope scope, int depth, string indent)
    {
        // Deeper, fewer compound statements: the depth is bounded and most leaves are HMM calls.
        var compound = depth < MaxDepth && random.Next(10) < 6 - depth;
        return compound ? Compound(scope, depth, indent) : Simple(scope, indent);
    }

    private string Block(Scope scope, int depth, string indent)
    {
        var text = new StringBuilder(indent).Append("{\n");
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            text.Append(Statement(scope, depth + 1, indent + "    "));
        }

        return text.Append(indent).Append("}\n").ToString();
    }

    private string Compound(Scope scope, int depth, string indent)
    {
        var k = ++names;
        var inner = indent;
        switch (random.Next(21))
        {
            case 0:
                return $"{indent}if ({Condition(scope)})\n{Block(scope, depth, inner)}";
            case 1:
                return $"{indent}if ({Condition(scope)})\n{Block(scope, depth, inner)}{indent}else\n{Block(scope, depth, inner)}";
            case 2:
                return $"{indent}for (int i{k} = 0; i{k} < 2; i{k}++)\n{Block(scope with { InLoop = true }, depth, inner)}";
            case 3:
                return scope.Locals
                    ? $"{indent}foreach (var item{k} in items)\n{Block(scope with { InLoop = true }, depth, inner)}"
                    : $"{indent}while ({Condition(scope)})\n{Block(scope with { InLoop = true }, depth, inner)}";
            case 4:
                return $"{indent}do\n{Block(scope with { InLoop = true }, depth, inner)}{indent}while ({Condition(scope)});\n";
            case 5:
                return $"{indent}switch ({Int(scope)})\n{indent}{{\n{indent}    case 0:\n{Block(scope, depth, indent + "    ")}{indent}        break;\n{indent}    case -Errno.EAGAIN:\n{indent}    case < -100:\n{Block(scope, depth, indent + "    ")}{indent}        break;\n{indent}    default:\n{Block(scope, depth, indent + "    ")}{indent}        break;\n{indent}}}\n";
            case 6:
                return TryStatement(scope, depth, indent, k);
            case 7:
                return $"{indent}using (var stream{k} = new System.IO.MemoryStream())\n{Block(scope, depth, inner)}";
            case 8:
                return $"{indent}{{\n{indent}    using var stream{k} = new System.IO.MemoryStream();\n{Statement(scope, depth + 1, indent + "    ")}{indent}}}\n";
            case 9 when scope.Svmm is not null:
                return $"{indent}lock ({scope.Svmm}.Mutex)\n{Block(scope with { InLock = true }, depth, inner)}";
            case 10 when !scope.InFinally:
                // The populate-range retry: a label, and a bounded goto back to it.
                return $"{indent}{{\n{indent}again{k}:\n{indent}    Console.WriteLine();\n{Statement(scope, depth + 1, indent + "    ")}{indent}    if ({Condition(scope)} && {scope.N}++ < 3)\n{indent}        goto again{k};\n{indent}}}\n";
            case 11 when !scope.InFinally:
                // The kernel's error ladder.
                return $"{indent}{{\n{Statement(scope, depth + 1, indent + "    ")}{indent}    if ({scope.Ret} != 0)\n{indent}        goto out{k};\n{Statement(scope, depth + 1, indent + "    ")}{indent}out{k}:\n{indent}    HmmApi.RangeUnregister({Range(scope)});\n{indent}}}\n";
            case 12:
                return Lambda(scope, depth, indent, k);
            case 13:
                return LocalFunction(scope, depth, indent, k);
            case 14 when scope.Locals:
                return $"{indent}if (int.TryParse(\"1\", out var parsed{k}) && parsed{k} > {scope.Ret})\n{Block(scope, depth, inner)}";
            case 15:
                return $"{indent}var (first{k}, second{k}) = ({Int(scope)}, {scope.Ret});\n{indent}if (first{k} == 0 && second{k} > 0)\n{Block(scope, depth, inner)}";
            case 16 when random.Next(2) == 0:
                return $"{indent}var text{k} = {Int(scope)} switch {{ 0 => \"ok\", < 0 and > -100 => \"error\", _ => \"other\" }};\n{indent}if (text{k} == \"ok\")\n{Block(scope, depth, inner)}";
            case 16:
                // A result kept through the arms (`var e => e`), tested after them.
                return $"{indent}int error{k} = {Int(scope)} switch {{ 0 => 0, -Errno.EAGAIN => -Errno.EBUSY, var e{k} when e{k} < -100 => -Errno.EINVAL, var e{k} => e{k} }};\n{indent}if (error{k} != 0)\n{Block(scope, depth, inner)}";
            case 17:
                return $"{indent}if ({Int(scope)} is not 0 and var error{k})\n{Block(scope, depth, inner)}";
            case 18 when scope.Svmm is not null:
                return $"{indent}var mirror{k} = {scope.Svmm}?.Mirror ?? {scope.Mirror};\n{Simple(scope with { Mirror = $"mirror{k}" }, indent)}";
            case 19 when scope.Locals:
                // A switch on a flag: its arms are the flag's two ways.
                return $"{indent}switch ({Pick("registered", "populate")})\n{indent}{{\n{indent}    case true:\n{Block(scope, depth, indent + "    ")}{indent}        break;\n{indent}    default:\n{Block(scope, depth, indent + "    ")}{indent}        break;\n{indent}}}\n";
            default:
                return $"{indent}while ({Condition(scope)})\n{Block(scope with { InLoop = true }, depth, inner)}";
        }
    }

    private string TryStatement(Scope scope, int depth, string indent, int k)
    {
        var text = new StringBuilder();
        var catches = random.Next(3);
        var hasFinally = catches == 0 || random.Next(2) == 0;
        text.Append(indent).Append("try\n").Append(Block(scope with { InTryWithCatch = scope.InTryWithCatch || catches > 0 }, depth, indent));
        if (catches > 0)
        {
            var filter = random.Next(3) switch
            {
                0 => $" when (e{k}.Message.Length > {scope.Ret})",
                1 => $" when (new Func<bool>(() => e{k} is InvalidOperationException)())",
                _ => string.Empty,
            };
            text.Append(indent).Append($"catch (InvalidOperationException e{k}){filter}\n").Append(Block(scope with { InCatch = true }, depth, indent));
        }

        if (catches > 1)
        {
            text.Append(indent).Append("catch (Exception)\n").Append(Block(scope with { InCatch = true }, depth, indent));
        }

        if (hasFinally)
        {
            text.Append(indent).Append("finally\n").Append(Block(scope with { InFinally = true, InLoop = false, InCatch = false }, depth, indent));
        }

        return text.ToString();
    }

    private string Lambda(Scope scope, int depth, string indent, int k)
    {
        var body = new StringBuilder();
        var isStatic = random.Next(3) == 0;
        var isAsync = !isStatic && random.Next(3) == 0;

        // A static lambda sees only its parameters: the range and mirror it is handed.
        var inside = isStatic
            ? new Scope(MethodKind.Plain, new[] { $"r{k}" }, $"m{k}", null, null, Locals: false, InLambda: true, Ret: $"ret{k}", N: $"n{k}")
            : scope with { Kind = isAsync ? MethodKind.Async : MethodKind.Plain, InLoop = false, InFinally = false, InCatch = false, InTryWithCatch = false, InLock = false, ReturnsInt = true, InLambda = true };
        body.Append(indent).Append("    ").Append(isAsync ? "await Task.Yield();\n" : "Console.WriteLine();\n");
        body.Append(isStatic ? $"{indent}    int ret{k} = 0;\n{indent}    long n{k} = 0;\n" : string.Empty);
        body.Append(Statement(inside, depth + 1, indent + "    "));
        body.Append(indent).Append("    return 0;\n");
        var call = isStatic ? $"f{k}({Range(scope)}, {scope.Mirror})" : $"f{k}()";
        var use = isAsync ? (scope.Kind == MethodKind.Async && !scope.InLock ? $"await {call}" : $"{call}.Result") : call;
        var type = isStatic ? "Func<HmmRange, HmmMirror, int>" : isAsync ? "Func<Task<int>>" : "Func<int>";
        var head = isStatic ? $"static (r{k}, m{k}) =>" : isAsync ? "async () =>" : random.Next(2) == 0 ? "() =>" : "delegate";
        var nested = !isStatic && !isAsync && random.Next(4) == 0;
        return nested
            ? $"{indent}Func<Func<int>> f{k} = () => () =>\n{indent}{{\n{body}{indent}}};\n{indent}{scope.Ret} += f{k}()();\n"
            : $"{indent}{type} f{k} = {head}\n{indent}{{\n{body}{indent}}};\n{indent}{scope.Ret} += {use};\n";
    }

    private string LocalFunction(Scope scope, int depth, string indent, int k)
    {
        var isStatic = random.Next(2) == 0;
        var inside = isStatic
            ? new Scope(MethodKind.Plain, new[] { $"r{k}" }, $"m{k}", null, null, Locals: false, InLambda: true, Ret: $"ret{k}", N: $"n{k}")
            : scope with { Kind = MethodKind.Plain, InLoop = false, InFinally = false, InCatch = false, InTryWithCatch = false, InLock = false, ReturnsInt = true, InLambda = true };
        var body = new StringBuilder();
        body.Append(isStatic ? $"{indent}    int ret{k} = 0;\n{indent}    long n{k} = 0;\n" : string.Empty);
        body.Append(Statement(inside, depth + 1, indent + "    "));
        body.Append(indent).Append("    return 0;\n");
        var head = isStatic ? $"static int Local{k}(HmmRange r{k}, HmmMirror m{k})" : $"int Local{k}()";
        var call = isStatic ? $"Local{k}({Range(scope)}, {scope.Mirror})" : $"Local{k}()";
        return $"{indent}{head}\n{indent}{{\n{body}{indent}}}\n{indent}{scope.Ret} += {call};\n";
    }

    private string Simple(Scope scope, string indent)
    {
        var range = Range(scope);
        var mirror = scope.Mirror;
        var legacyMm = scope.Svmm is not null && random.Next(2) == 0 ? $"{scope.Svmm}.Mm" : scope.Mm;
        var statement = random.Next(28) switch
        {
            0 or 1 => $"{scope.Ret} = HmmApi.RangeRegister({range}, {mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift);",
            2 => $"if (HmmApi.RangeRegister({range}, {mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift) != 0) {Exit(scope)}",
            3 => $"HmmApi.RangeRegister({range}, {mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift);",
            4 when legacyMm is not null => $"{scope.Ret} = HmmApi.RangeRegister({range}, {legacyMm}, 0x1000UL, 0x3000UL, HmmApi.PageShift);",
            5 when legacyMm is not null => $"if (HmmApi.RangeRegister({range}, {legacyMm}, 0x1000UL, 0x3000UL, HmmApi.PageShift) != 0) {Exit(scope)}",
            6 or 7 => $"HmmApi.RangeUnregister({range});",
            8 => $"{scope.Ret} = HmmApi.VmaFault({range}, true);",
            9 => $"{scope.Ret} = HmmApi.VmaFault({mirror}, {range}, true);",
            10 => $"{scope.N} = HmmApi.RangeSnapshot({range});",
            11 => $"HmmApi.RangeSnapshot({range});",
            12 => $"HmmApi.VmaRangeDone({range});",
            13 => $"if (!HmmApi.RangeWaitUntilValid({range}, HmmApi.DefaultTimeout)) {Exit(scope)}",
            14 when scope.Mm is not null => $"{scope.Ret} = HmmApi.MirrorRegister({mirror}, {scope.Mm});",
            15 => $"HmmApi.MirrorUnregister({mirror});",
            16 => $"{scope.Ret} = {Condition(scope)} ? HmmApi.RangeRegister({range}, {mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift) : -Errno.EINVAL;",
            17 => Exit(scope),
            18 when scope.InLoop => random.Next(2) == 0 ? "break;" : "continue;",
            19 when scope.InCatch => "throw;",
            20 when scope.Kind == MethodKind.Async && !scope.InLock => "await Task.Yield();",
            21 when scope.Locals => "registered = true;",
            22 when scope.Locals => "registered = false;",
            23 => $"{scope.Ret} = -Errno.EBUSY;",
            24 => $"{scope.Ret} = 0;",
            26 when scope.Locals => $"registered = {scope.Ret} == 0;",
            27 when scope.Locals => $"registered = HmmApi.RangeRegister({range}, {mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift) is 0;",
            _ => $"({scope.Ret}, {scope.N}) = (HmmApi.VmaFault({mirror}, {range}, true), {scope.N} + 1);",
        };
        return indent + statement + "\n";
    }

    // A return (a yield in an iterator) or a throw, where one may stand.
    private string Exit(Scope scope)
    {
        if (random.Next(4) == 0)
        {
            return "throw new InvalidOperationException();";
        }

        if (scope.InFinally)
        {
            return "Console.WriteLine();";
        }

        if (scope.Kind == MethodKind.Iterator && !scope.InLambda)
        {
            return scope.InTryWithCatch || scope.InCatch ? "yield break;" : $"{{ yield return {scope.Ret}; yield break; }}";
        }

        return random.Next(3) switch
        {
            0 => $"return {scope.Ret};",
            1 => "return -Errno.EBUSY;",
            _ => $"return {scope.N} > 0 ? 0 : {scope.Ret};",
        };
    }

    private string Condition(Scope scope) => random.Next(13) switch
    {
        7 when scope.Locals => "registered",
        8 when scope.Locals => "!registered",
        9 when scope.Locals => "registered is false",
        10 when scope.Locals => "registered == true",
        11 when scope.Locals => "populate",
        12 when scope.Locals => "!populate",
        0 => $"{scope.Ret} == 0",
        1 => $"{scope.Ret} != 0",
        2 => $"HmmApi.RangeValid({Range(scope)})",
        3 => scope.Locals ? $"{scope.Ret} > 1" : $"{scope.N} < 0",
        4 => scope.Svmm is not null ? $"{scope.Svmm}?.Mirror is not null" : $"{scope.Ret} < 0",
        5 => $"{scope.N} < 0 || {scope.Ret} == -Errno.EAGAIN",
        _ => $"!({scope.Ret} is 0 or -Errno.EBUSY)",
    };

    private string Int(Scope scope) => random.Next(3) switch
    {
        0 => $"HmmApi.RangeRegister({Range(scope)}, {scope.Mirror}, 0x1000UL, 0x3000UL, HmmApi.PageShift)",
        1 => $"HmmApi.VmaFault({scope.Mirror}, {Range(scope)}, true)",
        _ => $"{scope.Ret}",
    };

    private string Range(Scope scope) => scope.Ranges[random.Next(scope.Ranges.Length)];

    private T Pick<T>(params T[] items) => items[random.Next(items.Length)];
}
