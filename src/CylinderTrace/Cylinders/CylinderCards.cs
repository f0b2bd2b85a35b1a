using System.ComponentModel;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Cylinders;

/// <summary>
/// Builds cylinder cards. The facts are cached in two levels (this instance's memory, then Redis)
/// and the status is derived on every request, so a card turns "overdue" at midnight without any
/// invalidation. Anyone who changes a cylinder, its fills or deliveries calls InvalidateAsync.
/// </summary>
public sealed class CylinderCards
{
    private readonly HybridCache _cache;
    private readonly CylinderStore _store;
    private readonly UnregisteredScans _unregistered;
    private readonly EnterpriseDirectory _directory;
    private readonly CylinderStatusRules _rules;
    private readonly TimeProvider _clock;
    private readonly CacheInvalidation _invalidation;
    private readonly HybridCacheEntryOptions _entry;
    private readonly TimeSpan _unregisteredFor;

    public CylinderCards(HybridCache cache, CylinderStore store, EnterpriseDirectory directory, CylinderStatusRules rules,
        TimeProvider clock, CacheInvalidation invalidation, IOptions<CylinderRulesOptions> options, UnregisteredScans unregistered)
    {
        _cache = cache;
        _store = store;
        _unregistered = unregistered;
        _directory = directory;
        _rules = rules;
        _clock = clock;
        _invalidation = invalidation;
        _entry = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromMinutes(options.Value.CardCacheMinutes),
            LocalCacheExpiration = TimeSpan.FromMinutes(Math.Min(options.Value.CardLocalCacheMinutes, options.Value.CardCacheMinutes)),
        };
        _unregisteredFor = TimeSpan.FromSeconds(options.Value.UnregisteredCacheSeconds);
    }

    public static string CacheKey(string code) => "cyl:card:" + code;

    /// <summary>The card of a normalised code, or null when no cylinder has that code.</summary>
    public async ValueTask<CylinderCard?> GetCardAsync(string code, CancellationToken ct = default)
    {
        var cached = await GetCachedAsync(code, ct);
        if (cached.Facts is null && _clock.GetUtcNow().UtcDateTime - cached.CheckedAtUtc > _unregisteredFor)
        {
            // "Not registered" is remembered briefly only: a registration path that forgot to
            // invalidate must not hide a new cylinder for long.
            await _cache.RemoveAsync(CacheKey(code), ct);
            cached = await GetCachedAsync(code, ct);
        }
        return cached.Facts is null ? null : await BuildAsync(cached.Facts, ct);
    }

    /// <summary>The cached facts of a normalised code (null: not registered), the same entry the card is built from.</summary>
    public async ValueTask<CylinderFacts?> GetFactsAsync(string code, CancellationToken ct = default)
    {
        var cached = await GetCachedAsync(code, ct);
        if (cached.Facts is null && _clock.GetUtcNow().UtcDateTime - cached.CheckedAtUtc > _unregisteredFor)
        {
            await _cache.RemoveAsync(CacheKey(code), ct);
            cached = await GetCachedAsync(code, ct);
        }
        return cached.Facts;
    }

    /// <summary>
    /// The black-gas detention in force for a code no cylinder has (null: none, or the code is registered), from the same cache
    /// entry as the card: call it after <see cref="GetCardAsync"/> answered null, and it costs no round trip.
    /// </summary>
    public async ValueTask<BlackGasMark?> BlackGasAsync(string code, CancellationToken ct = default)
    {
        var cached = await GetCachedAsync(code, ct);
        return cached.Facts is null ? cached.BlackGas : null;
    }

    /// <summary>Drops the cached card of a code on every instance.</summary>
    public Task InvalidateAsync(string code, CancellationToken ct = default) => _invalidation.RemoveAsync(CacheKey(code), ct);

    private ValueTask<CachedFacts> GetCachedAsync(string code, CancellationToken ct) =>
        _cache.GetOrCreateAsync(CacheKey(code), (_store, _unregistered, _clock, code), static async (s, ct) =>
        {
            var facts = await s._store.FindByCodeAsync(s.code, ct);
            // Only a code no cylinder has can be detained as black gas: one more indexed read, on a miss of an unregistered code only.
            var blackGas = facts is null ? await s._unregistered.BlackGasAsync(s.code, ct) : null;
            return new CachedFacts(facts, s._clock.GetUtcNow().UtcDateTime, blackGas);
        }, _entry, cancellationToken: ct);

    private async ValueTask<CylinderCard> BuildAsync(CylinderFacts f, CancellationToken ct)
    {
        var today = ShanghaiTime.Today(_clock);
        var dates = f.Dates;
        var a = _rules.Assess(dates, today);

        var owner = await _directory.GetEnterpriseAsync(f.OwnerId, ct);
        var station = f.SupplyStationId is int sid ? await _directory.GetEnterpriseAsync(sid, ct) : null;

        CardFill? fill = null;
        if (f.LastFillAtUtc is { } filledAt)
        {
            var fillStation = f.LastFillStationId is int fid ? await _directory.GetEnterpriseAsync(fid, ct) : null;
            fill = new CardFill(ShanghaiTime.FromUtc(filledAt), Public(fillStation), f.LastFillByOwner);
        }

        CardDelivery? delivery = null;
        if (f.LastDeliveryAtUtc is { } deliveredAt)
        {
            var deliveryStation = f.LastDeliveryStationId is int did ? await _directory.GetEnterpriseAsync(did, ct) : null;
            var worker = f.LastDeliveryWorkerId is int wid ? await _directory.GetWorkerAsync(wid, ct) : null;
            delivery = new CardDelivery(ShanghaiTime.FromUtc(deliveredAt), Public(deliveryStation), worker is null ? null
                : new CardWorker(Mask.Name(worker.Name), worker.EmployeeNumber, worker.PermitNumber,
                    worker.Status == "active" && (worker.PermitValidUntil is null || worker.PermitValidUntil >= today)));
        }

        return new CylinderCard(
            f.Code,
            CardStatus.From(a),
            new CardCylinder(f.Serial, f.Spec, f.Manufacturer, f.ManufactureDate, f.LastInspectionDate,
                _rules.NextInspectionDate(dates), _rules.ScrapDate(dates), _rules.BeyondDesignLife(dates, today)),
            Public(owner) ?? new CardEnterprise("（产权单位信息缺失）", ""),
            Public(station),
            fill,
            delivery,
            today);
    }

    private static CardEnterprise? Public(EnterpriseSummary? e) => e is null ? null : new CardEnterprise(e.Name, e.LicenceNumber);

    /// <summary>A cache entry: the facts, or null for "not registered" as of CheckedAtUtc (with its black-gas detention, if any).</summary>
    [ImmutableObject(true)]
    public sealed record CachedFacts(CylinderFacts? Facts, DateTime CheckedAtUtc, BlackGasMark? BlackGas = null);
}
