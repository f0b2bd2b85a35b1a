using System.Text;
using System.Text.Json;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;

namespace CylinderTrace.Integration;

[Platform.OpenApi.ContractRequest]
public sealed record FillCheckRequest([property: Platform.OpenApi.ContractRequired] string? CylinderCode, string? Station);

public sealed record FillCheckReason(string Code, string Label);

/// <summary>The answer for the filling line. CheckId goes with the fill record (fills' checkId) to show the fill was checked.</summary>
public sealed record FillCheckResult(string CheckId, bool Allowed, IReadOnlyList<FillCheckReason> Reasons, string CylinderCode, bool FromCacheOnly);

/// <summary>
/// Interlocked filling (DESIGN.md §3): before a cylinder is filled, the filling line asks whether it
/// may be, and gets every reason it may not: unregistered, scrapped, detained, past its scrap date,
/// inspection overdue, owned by another enterprise, or the station holds no filling licence in force
/// (FillRules: the same rules every reported fill is judged by). It reads the cylinder's cached facts (the card's
/// HybridCache entry, kept current by every write's invalidation), so an answer costs no database
/// round trip when warm. When the facts are not cached and MariaDB cannot be reached, the answer is
/// "not allowed: cannot be verified": a line must never fill a cylinder nobody could check, and a
/// stopped line is the recoverable error. Answers built from cached facts while MariaDB is away are
/// given (and marked FromCacheOnly): they are as fresh as the last invalidation that reached this
/// instance. The check id is a signed token (no write on the hot path): code, station, time, verdict.
/// </summary>
public sealed class FillChecks(CylinderCards cards, FillRules rules, IntegrationScope scopes, PersonalData personal, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IntegrationOptions> options,
    ILogger<FillChecks> logger)
{
    public static readonly FillCheckReason Unregistered = Reason(FillRules.Unregistered);
    public static readonly FillCheckReason Scrapped = Reason(FillRules.Scrapped);
    public static readonly FillCheckReason Detained = Reason(FillRules.Detained);
    public static readonly FillCheckReason PastScrapDate = Reason(FillRules.PastScrapDate);
    public static readonly FillCheckReason InspectionOverdue = Reason(FillRules.InspectionOverdue);
    public static readonly FillCheckReason ForeignOwner = Reason(FillRules.ForeignOwner);
    public static readonly FillCheckReason UnlicensedFiller = Reason(FillRules.UnlicensedFiller);
    public static readonly FillCheckReason Unverifiable = new("unverifiable", "暂时无法核验，不得充装");

    private static FillCheckReason Reason(FillRule rule) => new(rule.Code, rule.Label);

    public abstract record Outcome;
    public sealed record Checked(FillCheckResult Result) : Outcome;
    public sealed record Invalid(string Field, string Message) : Outcome;
    public sealed record NotYours(string Message) : Outcome;

    public async Task<Outcome> CheckAsync(IntegrationCaller caller, FillCheckRequest request, CancellationToken ct)
    {
        if (!CylinderCode.TryNormalise(request.CylinderCode ?? "", out var code) || code is null)
            return new Invalid("cylinderCode", "气瓶码格式不对。" + CylinderCode.Rule);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var station = tenant.Station(request.Station);
        if (station is null) return new NotYours($"充装站“{request.Station}”不是本企业的。");
        if (station.Kind != "filling") return new Invalid("station", "充装检查须由充装站发起（供应站不充装）。");

        var reasons = new List<FillCheckReason>();
        var fromCacheOnly = false;
        CylinderFacts? facts = null;
        try
        {
            facts = await cards.GetFactsAsync(code, ct);
        }
        catch (Exception ex) when (ex is MySqlConnector.MySqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning("Fill check of {Code} could not be verified: {Error}", code, ex.Message);
            reasons.Add(Unverifiable);
            fromCacheOnly = true;
        }
        if (reasons.Count == 0)
        {
            var today = ShanghaiTime.Today(clock);
            var broken = new List<FillRule>();
            if (facts is null) broken.Add(FillRules.Unregistered);
            else rules.Judge(facts.Dates, facts.OwnerId, tenant.RootId, today, broken);
            if (!station.LicensedToFill(today, options.Value.MissingFillingLicenceAllowedUntil)) broken.Add(FillRules.UnlicensedFiller);
            reasons.AddRange(broken.Select(Reason));
        }
        var allowed = reasons.Count == 0;
        return new Checked(new FillCheckResult(Token(code, station.Id, clock.GetUtcNow().ToUnixTimeSeconds(), allowed), allowed, reasons, code, fromCacheOnly));
    }

    private string Token(string code, int stationId, long at, bool allowed)
    {
        var payload = $"{code}|{stationId}|{at}|{(allowed ? 1 : 0)}";
        return "fc1." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + System.Buffers.Text.Base64Url.EncodeToString(personal.Hash("fill-check:" + payload)![..16]);
    }

    /// <summary>What a check id says, if it is genuine: the code, station, time and verdict it was issued for.</summary>
    public (string Code, int StationId, DateTimeOffset At, bool Allowed)? Read(string? checkId)
    {
        var parts = checkId?.Split('.');
        if (parts is not { Length: 3 } || parts[0] != "fc1") return null;
        try
        {
            var payload = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            var expected = System.Buffers.Text.Base64Url.EncodeToString(personal.Hash("fill-check:" + payload)![..16]);
            if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2]))) return null;
            var f = payload.Split('|');
            return (f[0], int.Parse(f[1]), DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[2])), f[3] == "1");
        }
        catch (FormatException) { return null; }
        catch (IndexOutOfRangeException) { return null; }
    }

    /// <summary>Parses the request body.</summary>
    public static FillCheckRequest? Parse(ReadOnlyMemory<byte> body)
    {
        try { return JsonSerializer.Deserialize(body.Span, IngestionJson.Default.FillCheckRequest); }
        catch (JsonException) { return null; }
    }
}
