namespace CylinderTrace.Platform.ReferenceData;

/// <summary>
/// Fuzhou's district codes (GB/T 2260) and names, as migration 0002 seeds them: the city (350100) and its 13
/// districts and counties. The one copy the host uses; a test checks it against the `districts` table.
/// </summary>
public static class Districts
{
    public const string City = "350100";

    /// <summary>The city first, then its districts and counties in code order.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> All =
    [
        ("350100", "福州市"), ("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"), ("350105", "马尾区"), ("350111", "晋安区"),
        ("350112", "长乐区"), ("350121", "闽侯县"), ("350122", "连江县"), ("350123", "罗源县"), ("350124", "闽清县"), ("350125", "永泰县"),
        ("350128", "平潭县"), ("350181", "福清市"),
    ];

    /// <summary>The 13 districts and counties, without the city.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> InCity = All.Where(d => d.Code != City).ToList();

    public static readonly IReadOnlySet<string> Codes = All.Select(d => d.Code).ToHashSet();

    private static readonly Dictionary<string, string> Names = All.ToDictionary(d => d.Code, d => d.Name);

    /// <summary>The district's name, or the code itself when it is not one of Fuzhou's.</summary>
    public static string Name(string? code) => code is not null && Names.TryGetValue(code, out var name) ? name : code ?? "";
}
