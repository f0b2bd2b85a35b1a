using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Enterprises;

/// <summary>The kinds of licence an enterprise holds, and who issues them.</summary>
public static class LicenceKinds
{
    /// <summary>燃气经营许可证: every gas business (城镇燃气管理条例 第十五条), issued by the gas authority.</summary>
    public const string GasSupply = "gas_supply";

    /// <summary>气瓶充装许可证: every filling unit (TSG 23-2021 气瓶安全技术规程, 充装单位), issued by market supervision.</summary>
    public const string CylinderFilling = "cylinder_filling";

    public static readonly IReadOnlyList<string> All = [GasSupply, CylinderFilling];

    public static string Label(string kind) => kind switch
    {
        GasSupply => "燃气经营许可证",
        CylinderFilling => "气瓶充装许可证",
        _ => kind,
    };

    /// <summary>The kind of agency that issues (and so records) a kind of licence.</summary>
    public static string IssuingAgencyKind(string kind) => kind == CylinderFilling ? "market_supervision" : "gas_authority";

    public static readonly IReadOnlyList<string> Statuses = ["valid", "suspended", "revoked"];

    public static string StatusLabel(string status) => status switch
    {
        "valid" => "有效",
        "suspended" => "暂停",
        "revoked" => "吊销",
        _ => status,
    };
}

/// <summary>An enterprise's current licence of one kind. In force on a day when valid, and the day is within its validity.</summary>
public sealed record EnterpriseLicence(int EnterpriseId, string Kind, string LicenceNumber, string Issuer, DateOnly ValidFrom, DateOnly ValidUntil, string Status)
{
    public bool InForce(DateOnly day) => Status == "valid" && ValidFrom <= day && day <= ValidUntil;
}

/// <summary>A licence with its holder's name and district, for lists (the console, digests).</summary>
public sealed record LicenceListing(int EnterpriseId, string EnterpriseName, string EnterpriseLicence, string DistrictCode, string Kind, string LicenceNumber, string Issuer,
    DateOnly ValidFrom, DateOnly ValidUntil, string Status);

/// <summary>The enterprise_licences table: written by the licensing agencies' staff (console) and the seed, read by the fill check.</summary>
public sealed class EnterpriseLicences(Db db, TimeProvider clock)
{
    private const string OfSql =
        """
        SELECT enterprise_id AS EnterpriseId, kind, licence_number AS LicenceNumber, issuer, valid_from AS ValidFrom, valid_until AS ValidUntil, status
        FROM enterprise_licences WHERE enterprise_id IN @ids
        """;

    private const string ListingColumns =
        """
        SELECT e.id AS EnterpriseId, e.name AS EnterpriseName, e.licence_number AS EnterpriseLicence, e.district_code AS DistrictCode, l.kind,
               l.licence_number AS LicenceNumber, l.issuer, l.valid_from AS ValidFrom, l.valid_until AS ValidUntil, l.status
        FROM enterprise_licences l JOIN enterprises e ON e.id = l.enterprise_id
        WHERE l.valid_until BETWEEN @from AND @until AND l.status = 'valid'
        """;
    private const string ListingSql = ListingColumns + " ORDER BY l.valid_until, e.id, l.kind LIMIT 1000";
    private const string ListingInDistrictsSql = ListingColumns + " AND e.district_code IN @districts ORDER BY l.valid_until, e.id, l.kind LIMIT 1000";

    private const string UpsertSql =
        """
        INSERT INTO enterprise_licences (enterprise_id, kind, licence_number, issuer, valid_from, valid_until, status, updated_by, updated_at)
        VALUES (@EnterpriseId, @Kind, @LicenceNumber, @Issuer, @From, @Until, @Status, @by, @now)
        ON DUPLICATE KEY UPDATE licence_number = @LicenceNumber, issuer = @Issuer, valid_from = @From, valid_until = @Until, status = @Status, updated_by = @by, updated_at = @now
        """;

    /// <summary>The licences of these enterprises (every kind).</summary>
    public async Task<IReadOnlyList<EnterpriseLicence>> OfAsync(IReadOnlyCollection<int> enterpriseIds, CancellationToken ct)
    {
        if (enterpriseIds.Count == 0) return [];
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<Row>(new CommandDefinition(OfSql, new { ids = enterpriseIds }, cancellationToken: ct)))
            .Select(r => new EnterpriseLicence(r.EnterpriseId, r.Kind, r.LicenceNumber, r.Issuer, DateOnly.FromDateTime(r.ValidFrom), DateOnly.FromDateTime(r.ValidUntil), r.Status))
            .ToList();
    }

    /// <summary>Valid licences whose validity ends (or ended) between the two days (inclusive), soonest first; districts null: all.</summary>
    public async Task<IReadOnlyList<LicenceListing>> ExpiringAsync(DateOnly from, DateOnly until, IReadOnlyCollection<string>? districts, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<ListingRow>(new CommandDefinition(districts is null ? ListingSql : ListingInDistrictsSql,
            new { from = from.ToDateTime(TimeOnly.MinValue), until = until.ToDateTime(TimeOnly.MinValue), districts }, cancellationToken: ct));
        return rows
            .Select(r => new LicenceListing(r.EnterpriseId, r.EnterpriseName, r.EnterpriseLicence, r.DistrictCode, r.Kind, r.LicenceNumber, r.Issuer,
                DateOnly.FromDateTime(r.ValidFrom), DateOnly.FromDateTime(r.ValidUntil), r.Status)).ToList();
    }

    /// <summary>Records the licence (replacing the enterprise's current one of its kind); by: the staff member, null for the seed and commands.</summary>
    public async Task SetAsync(EnterpriseLicence licence, int? by, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(UpsertSql, new
        {
            licence.EnterpriseId, licence.Kind, licence.LicenceNumber, licence.Issuer, From = licence.ValidFrom.ToDateTime(TimeOnly.MinValue),
            Until = licence.ValidUntil.ToDateTime(TimeOnly.MinValue), licence.Status, by, now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));
    }

    private sealed class Row
    {
        public int EnterpriseId { get; init; }
        public string Kind { get; init; } = "";
        public string LicenceNumber { get; init; } = "";
        public string Issuer { get; init; } = "";
        public DateTime ValidFrom { get; init; }
        public DateTime ValidUntil { get; init; }
        public string Status { get; init; } = "";
    }

    private sealed class ListingRow
    {
        public int EnterpriseId { get; init; }
        public string EnterpriseName { get; init; } = "";
        public string EnterpriseLicence { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string Kind { get; init; } = "";
        public string LicenceNumber { get; init; } = "";
        public string Issuer { get; init; } = "";
        public DateTime ValidFrom { get; init; }
        public DateTime ValidUntil { get; init; }
        public string Status { get; init; } = "";
    }
}
