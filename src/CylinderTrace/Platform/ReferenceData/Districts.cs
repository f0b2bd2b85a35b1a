namespace CylinderTrace.Platform.ReferenceData;

/// <summary>Fuzhou's district codes (GB/T 2260), as migration 0002 seeds them: the city (350100) and its 13 districts and counties.</summary>
public static class Districts
{
    public const string City = "350100";

    public static readonly IReadOnlySet<string> Codes = new HashSet<string>
    {
        "350100", "350102", "350103", "350104", "350105", "350111", "350112", "350121", "350122", "350123", "350124", "350125", "350128", "350181",
    };
}
