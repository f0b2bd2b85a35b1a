using Microsoft.Extensions.Caching.Memory;

namespace CylinderTrace.Integration;

/// <summary>One enterprise the caller may act for, with its 气瓶充装许可证 (null: none recorded) and district.</summary>
public sealed record ScopedEnterprise(int Id, string Kind, string Licence, int? ParentId, string DistrictCode = "", Enterprises.EnterpriseLicence? FillingLicence = null)
{
    /// <summary>May this station fill on that day: its filling licence is in force, or none is recorded yet and the rollout's grace (Integration:MissingFillingLicenceAllowedUntil) covers the day.</summary>
    public bool LicensedToFill(DateOnly day, DateOnly? missingAllowedUntil) =>
        FillingLicence is { } licence ? licence.InForce(day) : missingAllowedUntil is { } until && day <= until;
}

/// <summary>
/// What a caller may write (DESIGN.md §3): a filling enterprise acts for itself and its supply
/// stations; a supply station for itself only, under its filling enterprise. Cylinders and their
/// inspections belong to the filling enterprise that owns them (the root); fills to the filling
/// station that filled; deliveries, returns, workers and customers to a supply station.
/// </summary>
public sealed record Tenant(ScopedEnterprise Caller, int RootId, IReadOnlyDictionary<int, ScopedEnterprise> Members, IReadOnlyDictionary<string, ScopedEnterprise> ByLicence)
{
    public bool MayActFor(int enterpriseId) => Members.ContainsKey(enterpriseId);

    /// <summary>Only the filling enterprise itself registers its cylinders and their inspections.</summary>
    public bool OwnsRegistry => Caller.Kind == "filling";

    /// <summary>The station a record names by licence, or the caller when it names none; null if the licence is not the caller's.</summary>
    public ScopedEnterprise? Station(string? licence) =>
        string.IsNullOrWhiteSpace(licence) ? Caller : ByLicence.GetValueOrDefault(licence.Trim());
}

/// <summary>Every authorization decision of the integration API, in one place.</summary>
public sealed class IntegrationScope(Enterprises.EnterpriseDirectory directory, Enterprises.EnterpriseLicences licences, IMemoryCache memory)
{
    // The last tenant read per enterprise: used while MariaDB is unreachable (the fill check keeps answering).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Tenant> _lastKnown = new();

    public async Task<Tenant> ForAsync(int enterpriseId, CancellationToken ct)
    {
        try
        {
            var tenant = await LoadAsync(enterpriseId, ct);
            _lastKnown[enterpriseId] = tenant;
            return tenant;
        }
        catch (MySqlConnector.MySqlException) when (_lastKnown.TryGetValue(enterpriseId, out var known))
        {
            return known;
        }
    }

    /// <summary>Drops this instance's cached tenant of an enterprise (its licences changed); other instances read it again within a minute.</summary>
    public void Forget(int enterpriseId) => memory.Remove("tenant:" + enterpriseId);

    private async Task<Tenant> LoadAsync(int enterpriseId, CancellationToken ct) =>
        (await memory.GetOrCreateAsync("tenant:" + enterpriseId, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(60);
            var read = await directory.ReadEnterpriseAsync(enterpriseId, ct) ?? throw new InvalidOperationException($"Enterprise {enterpriseId} of a valid key does not exist.");
            var caller = Scoped(read);
            var root = caller.Kind == "filling" ? caller.Id : caller.ParentId ?? caller.Id;
            var members = caller.Kind == "filling" ? (await directory.FamilyAsync(root, ct)).Select(Scoped).ToList() : [caller];
            // Licences change rarely and reach the fill check within this entry's minute.
            var filling = (await licences.OfAsync(members.Select(m => m.Id).ToList(), ct))
                .Where(l => l.Kind == Enterprises.LicenceKinds.CylinderFilling).ToDictionary(l => l.EnterpriseId);
            members = members.Select(m => m with { FillingLicence = filling.GetValueOrDefault(m.Id) }).ToList();
            caller = members.FirstOrDefault(m => m.Id == caller.Id) ?? caller with { FillingLicence = filling.GetValueOrDefault(caller.Id) };
            return new Tenant(caller, root, members.ToDictionary(m => m.Id), members.ToDictionary(m => m.Licence));
        }))!;

    private static ScopedEnterprise Scoped(Enterprises.EnterpriseSummary e) => new(e.Id, e.Kind, e.LicenceNumber, e.ParentId, e.DistrictCode);
}
