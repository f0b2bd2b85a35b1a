namespace CylinderTrace.Seeding;

/// <summary>Sizes of a generated data set. `demo` loads in seconds; `fuzhou` is the city at full scale (DESIGN.md §1).</summary>
public sealed record SeedPreset(
    string Name,
    int FillingEnterprises,
    int SupplyStations,
    int WorkersPerStation,
    int Customers,
    double CommercialShare,
    int Cylinders,
    int Days,
    int FillsPerDay)
{
    public static readonly SeedPreset Demo = new("demo", 3, 8, 4, 2_000, 0.10, 5_000, 30, 150);
    public static readonly SeedPreset Fuzhou = new("fuzhou", 53, 322, 6, 650_000, 0.08, 1_220_000, 30, 32_500);

    public static SeedPreset? Named(string name) => name.ToLowerInvariant() switch
    {
        "demo" => Demo,
        "fuzhou" => Fuzhou,
        _ => null,
    };
}
