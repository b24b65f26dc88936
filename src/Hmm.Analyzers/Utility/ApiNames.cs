namespace Hmm.Analyzers;

/// <summary>
/// The names of Hmm.Api's types and members that the analyzers, the fixes and hmm-migrate look
/// for. The analyzers do not reference Hmm.Api, so its names cannot be taken with <c>nameof</c>:
/// they are written here once.
/// </summary>
public static class ApiNames
{
    /// <summary>The assembly (and package) that defines the API.</summary>
    public const string Assembly = "Hmm.Api";

    /// <summary>Metadata names of the API's types.</summary>
    public static class Types
    {
        public const string HmmApi = "Hmm.HmmApi";
        public const string HmmMirror = "Hmm.HmmMirror";
        public const string HmmRange = "Hmm.HmmRange";
        public const string MmStruct = "Hmm.MmStruct";
    }

    /// <summary>Members of <c>HmmApi</c>, <c>HmmMirror</c> and <c>Vma</c>.</summary>
    public static class Members
    {
        public const string MirrorRegister = "MirrorRegister";
        public const string MirrorUnregister = "MirrorUnregister";
        public const string RangeRegister = "RangeRegister";
        public const string RangeUnregister = "RangeUnregister";
        public const string RangeSnapshot = "RangeSnapshot";
        public const string RangeFault = "RangeFault";
        public const string VmaFault = "VmaFault";
        public const string VmaRangeDone = "VmaRangeDone";

        /// <summary><c>HmmMirror.Register(mm, ops)</c>.</summary>
        public const string Register = "Register";

        /// <summary><c>HmmMirror.Mm</c> and <c>Vma.Mm</c>.</summary>
        public const string Mm = "Mm";

        /// <summary><c>HmmMirror.IsRegistered</c>.</summary>
        public const string IsRegistered = "IsRegistered";

        /// <summary><c>HmmRange.Vma</c>.</summary>
        public const string Vma = "Vma";

        /// <summary><c>MmStruct.FindVma(address)</c>.</summary>
        public const string FindVma = "FindVma";
    }
}
