using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.Supervision;

/// <summary>双随机、一公开 (random inspections): how much of each grade's stratum a month's plan draws, and which violations force an inspection.</summary>
public sealed class RandomInspectionOptions
{
    public const string Section = "RandomInspections";

    /// <summary>Share of a stratum drawn each month (rounded up): D most often, A least; U is an enterprise not graded yet.</summary>
    [Range(0.0, 1.0, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public double RateA { get; set; } = 0.05;
    [Range(0.0, 1.0, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public double RateB { get; set; } = 0.10;
    [Range(0.0, 1.0, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public double RateC { get; set; } = 0.25;
    [Range(0.0, 1.0, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public double RateD { get; set; } = 0.50;
    [Range(0.0, 1.0, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public double RateUngraded { get; set; } = 0.15;

    /// <summary>An enterprise with an open fill violation of one of these kinds (FillRules codes) is always inspected.</summary>
    public string[] SeriousViolationKinds { get; set; } = ["unregistered", "scrapped", "detained", "past_scrap_date", "inspection_overdue", "unlicensed_filler"];

    /// <summary>A licence review is opened after this many substantiated fill violations in 12 months (besides a D grade).</summary>
    [Range(1, 1000, ErrorMessage = "RandomInspections:{0} must be between {1} and {2}.")] public int ReviewAfterViolations { get; set; } = 3;

    public IReadOnlyDictionary<string, double> Rates() => new Dictionary<string, double>
    {
        ["A"] = RateA, ["B"] = RateB, ["C"] = RateC, ["D"] = RateD, ["U"] = RateUngraded,
    };
}

/// <summary>An enterprise the plan may draw: its stratum (its grade, or U) and whether an open serious violation makes it a target.</summary>
public sealed record DrawCandidate(int Id, string Name, string Stratum, bool Mandatory);

/// <summary>An inspector of the agency.</summary>
public sealed record DrawInspector(int Id, string Name);

/// <summary>A drawn target: why (drawn in its stratum, or serious_violation), its key, and the inspector pair (null when the agency has fewer than two).</summary>
public sealed record DrawnTarget(int EnterpriseId, string Stratum, string Reason, string Key, int? InspectorA, int? InspectorB);

/// <summary>
/// The draw (algorithm <see cref="Algorithm"/>, docs/SCORING.md "双随机"), a pure function of the published seed, the rates and the
/// candidate and inspector lists, so anyone can run it again:
/// 1. key(x) = the first 16 hex digits (lower case) of SHA-256 over the UTF-8 text seed + "|" + x, where x is "e" + an enterprise's id
///    or "i" + an inspector's id (decimal).
/// 2. Every mandatory candidate (an open serious violation) is a target.
/// 3. In each stratum (A, B, C, D, U) the other candidates are ordered by key (then id); the first ceil(rate × their number) are targets.
/// 4. Targets are ordered by key (then id). Inspectors are ordered by key (then id) and paired in that order (1st with 2nd, 3rd with
///    4th …; an odd one out sits out the month); the n-th target (from 0) gets pair n mod the number of pairs.
/// </summary>
public static class InspectionDraw
{
    public const string Algorithm = "sha256-strata-v1";
    public static readonly IReadOnlyList<string> Strata = ["A", "B", "C", "D", "U"];

    public static string Key(string seed, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed + "|" + subject)))[..16];

    /// <summary>A new seed: 128 random bits from the operating system's generator, as 32 hex digits.</summary>
    public static string NewSeed() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static IReadOnlyList<DrawnTarget> Draw(string seed, IReadOnlyList<DrawCandidate> candidates, IReadOnlyList<DrawInspector> inspectors,
        IReadOnlyDictionary<string, double> rates)
    {
        string KeyOf(DrawCandidate c) => Key(seed, "e" + c.Id.ToString(CultureInfo.InvariantCulture));
        var chosen = new List<(DrawCandidate Candidate, string Reason, string Key)>();
        foreach (var c in candidates.Where(c => c.Mandatory)) chosen.Add((c, "serious_violation", KeyOf(c)));
        foreach (var stratum in Strata)
        {
            var pool = candidates.Where(c => !c.Mandatory && c.Stratum == stratum).Select(c => (Candidate: c, Key: KeyOf(c)))
                .OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.Candidate.Id).ToList();
            // Rounded up so a stratum with anyone in it is never skipped; a rounding error below 1e-9 is not a whole enterprise.
            var take = (int)Math.Ceiling(rates.GetValueOrDefault(stratum) * pool.Count - 1e-9);
            chosen.AddRange(pool.Take(take).Select(x => (x.Candidate, "drawn", x.Key)));
        }
        var pairs = inspectors.Select(i => (Inspector: i, Key: Key(seed, "i" + i.Id.ToString(CultureInfo.InvariantCulture))))
            .OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.Inspector.Id).Select(x => x.Inspector.Id).Chunk(2).Where(p => p.Length == 2).ToList();
        return chosen.OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.Candidate.Id)
            .Select((x, n) => new DrawnTarget(x.Candidate.Id, x.Candidate.Stratum, x.Reason, x.Key,
                pairs.Count == 0 ? null : pairs[n % pairs.Count][0], pairs.Count == 0 ? null : pairs[n % pairs.Count][1]))
            .ToList();
    }
}
