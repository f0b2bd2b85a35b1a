using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;

namespace CylinderTrace.Complaints;

/// <summary>Filing and following complaints, for the complainant.</summary>
public sealed partial class ComplaintService(ComplaintStore store, CylinderCards cards, PersonalData personal, Notifications.ComplaintNotifications notifications,
    Routing.ComplaintRouter router, TimeProvider clock)
{
    public const int MaxPhotos = 6;

    /// <summary>The outcome of a submission.</summary>
    public abstract record FileResult;
    public sealed record Created(ComplaintDetail Complaint) : FileResult;
    public sealed record Replayed(ComplaintDetail Complaint) : FileResult;
    public sealed record KeyReused(string Number) : FileResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : FileResult;
    /// <summary>The caller's gate (rate limits, content screening) refused a new complaint with this response.</summary>
    public sealed record Refused(IResult Response) : FileResult;

    /// <summary>
    /// Files a complaint, or returns the one this key already made. <paramref name="beforeNew"/> runs
    /// only for a new complaint (so a retry is never rate-limited) and may refuse it.
    /// </summary>
    public async Task<FileResult> FileAsync(long userId, string idempotencyKey, NewComplaint c, Func<Task<IResult?>> beforeNew, CancellationToken ct)
    {
        var errors = Validate(c, out var category, out var cylinderCode);
        if (errors.Count > 0) return new Invalid(errors);
        var photos = c.PhotoIds?.Select(p => p.ToLowerInvariant()).Distinct().ToList() ?? [];
        var hash = RequestHash(c);

        var existing = await store.FindByIdempotencyKeyAsync(userId, idempotencyKey, ct);
        if (existing is not null) return await ReplayAsync(userId, existing, hash, ct);
        if (!await store.OwnsPhotosAsync(userId, photos, ct))
            return new Invalid(new() { ["photoIds"] = ["照片不存在或不是您上传的，请重新上传照片。"] });
        if (await beforeNew() is { } refusal) return new Refused(refusal);

        string? snapshot = null;
        if (cylinderCode is not null)
        {
            var card = await cards.GetCardAsync(cylinderCode, ct);
            var a = CylinderStatusRules.Unregistered;
            snapshot = card is null
                ? JsonSerializer.Serialize(new { code = cylinderCode, status = CardStatus.From(a) }, JsonSerializerOptions.Web)
                : JsonSerializer.Serialize(card, JsonSerializerOptions.Web);
        }

        var now = clock.GetUtcNow();
        var day = DateOnly.FromDateTime(ShanghaiTime.ToLocal(now).DateTime);
        var phone = string.IsNullOrWhiteSpace(c.ContactPhone) ? null : c.ContactPhone.Trim();
        var row = new ComplaintStore.NewRow("", userId, idempotencyKey, hash, category!.Code, c.Description!.Trim(), cylinderCode, snapshot,
            c.Latitude, c.Longitude, c.DistrictCode, string.IsNullOrWhiteSpace(c.Address) ? null : c.Address.Trim(),
            personal.Encrypt(phone), personal.Hash(phone), phone is null ? null : Mask.Phone(phone), now.UtcDateTime);
        try
        {
            var (id, number, notification) = await store.InsertAsync(seq => $"TS{day:yyyyMMdd}-{seq:D6}", day, row, photos, ct);
            notifications.Enqueue(notification);
            router.Enqueue(id);
            return new Created((await GetAsync(userId, number, ct))!);
        }
        catch (Exception ex) when (ComplaintStore.IsDuplicateKey(ex))
        {
            // A concurrent submission with the same key won the race: answer with its complaint.
            existing = await store.FindByIdempotencyKeyAsync(userId, idempotencyKey, ct);
            if (existing is null) throw;
            return await ReplayAsync(userId, existing, hash, ct);
        }
    }

    private async Task<FileResult> ReplayAsync(long userId, ComplaintStore.Existing existing, string hash, CancellationToken ct) =>
        existing.RequestHash == hash ? new Replayed((await GetAsync(userId, existing.Number, ct))!) : new KeyReused(existing.Number);

    /// <summary>
    /// A system note (internal) on the alert a receiving scan raised, if it raised one (idempotency key
    /// scan-alert-&lt;scan id&gt;): used when a delivery record that arrived after the scan now matches it.
    /// The alert stays open: a record sent after the fact is for the handler to weigh, not a reason to close it.
    /// </summary>
    public Task NoteScanAlertAsync(long userId, long scanId, string text, CancellationToken ct) =>
        store.AddSystemNoteAsync(userId, "scan-alert-" + scanId, "scan_matched", text, clock.GetUtcNow().UtcDateTime, ct);

    /// <summary>The same note on an alert filed under another idempotency key (a restaurant's delivery alert: delivery-alert-&lt;id&gt;).</summary>
    public Task NoteAlertAsync(long userId, string idempotencyKey, string kind, string text, CancellationToken ct) =>
        store.AddSystemNoteAsync(userId, idempotencyKey, kind, text, clock.GetUtcNow().UtcDateTime, ct);

    /// <summary>
    /// Evidence added to an alert the system filed for <paramref name="complainantId"/> (key <paramref name="idempotencyKey"/>) by
    /// <paramref name="uploaderId"/>, who may be another member of the same restaurant: the text becomes a step of its history
    /// (kind evidence_added, seen by the complainant and the handlers) and the photos, which must be the uploader's own uploads,
    /// join the complaint's. Null when done; otherwise the field errors.
    /// </summary>
    public async Task<Dictionary<string, string[]>?> AddAlertEvidenceAsync(long complainantId, string idempotencyKey, long uploaderId, string text,
        IReadOnlyList<string> photoIds, CancellationToken ct)
    {
        var photos = photoIds.Select(p => p?.ToLowerInvariant() ?? "").Distinct().ToList();
        if (photos.Count > MaxPhotos) return new() { ["photoIds"] = [$"一次最多上传{MaxPhotos}张照片。"] };
        if (photos.Any(p => !Sha256Regex().IsMatch(p)) || !await store.OwnsPhotosAsync(uploaderId, photos, ct))
            return new() { ["photoIds"] = ["照片不存在或不是您上传的，请重新上传照片。"] };
        return await store.AddEvidenceAsync(complainantId, idempotencyKey, text, photos, clock.GetUtcNow().UtcDateTime, ct)
            ? null
            : new() { ["alert"] = ["这条预警还没有转为投诉，请稍后再试。"] };
    }

    public async Task<ComplaintDetail?> GetAsync(long userId, string number, CancellationToken ct)
    {
        var found = await store.FindOwnAsync(userId, number, ct);
        if (found is null) return null;
        var (r, events, photos) = found.Value;
        var category = ComplaintCategories.Find(r.Category);
        var timeline = events.Select(e => new TimelineEntry(ShanghaiTime.FromUtc(e.At), e.Kind, EventLabel(e.Kind, e.Agency), e.Text, e.Agency)).ToList();
        MergedComplaint? merged = null;
        var canRate = ComplaintStatus.CanRate(r.Status);
        // A duplicate's complainant follows the complaint it was merged into: its state, its outcome on this timeline, and
        // the rating of its handling (see RateAsync).
        if (r.Status == ComplaintStatus.Duplicate && await store.SurvivorAsync(r.Id, ct) is var (s, outcome))
        {
            merged = new MergedComplaint(s.Number, s.Status, ComplaintStatus.Label(s.Status), s.Agency, s.PublicReply);
            timeline.AddRange(outcome.Select(e => new TimelineEntry(ShanghaiTime.FromUtc(e.At), e.Kind, MergedLabel(e.Kind), e.Text, e.Agency, s.Number)));
            timeline.Sort((a, b) => a.At.CompareTo(b.At));
            canRate = ComplaintStatus.CanRate(s.Status);
        }
        return new ComplaintDetail(
            r.Number, r.Category, category?.Label ?? r.Category, r.Status, ComplaintStatus.Label(r.Status), ComplaintStatus.Open311(r.Status),
            r.Description, r.CylinderCode, r.CardSnapshot is null ? null : JsonDocument.Parse(r.CardSnapshot).RootElement.Clone(),
            (double?)r.Latitude, (double?)r.Longitude, r.DistrictCode, r.Address, r.ContactPhoneMasked, photos, r.Agency, r.PublicReply ?? merged?.PublicReply,
            merged, r.Rating, r.RatingComment, ComplaintStatus.CanWithdraw(r.Status), canRate && r.Rating is null,
            ShanghaiTime.FromUtc(r.CreatedAt), timeline);
    }

    private static string MergedLabel(string kind) => kind switch
    {
        "resolved" => "合并办理的投诉已办结",
        "rejected" => "合并办理的投诉不属于受理范围",
        _ => "合并办理的投诉已关闭",
    };

    public async Task<ComplaintPage> PageAsync(long userId, int page, int pageSize, CancellationToken ct)
    {
        var (rows, total) = await store.PageAsync(userId, page, pageSize, ct);
        return new ComplaintPage(rows.Select(r => new ComplaintSummary(r.Number, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category,
            r.Status, ComplaintStatus.Label(r.Status), ShanghaiTime.FromUtc(r.CreatedAt), r.CylinderCode)).ToList(), page, pageSize, total);
    }

    /// <summary>Null: no such complaint of this user. False: not in a state that allows it.</summary>
    public async Task<bool?> WithdrawAsync(long userId, string number, CancellationToken ct)
    {
        var found = await store.FindOwnAsync(userId, number, ct);
        if (found is null) return null;
        return await store.WithdrawAsync(userId, found.Value.Row.Id, clock.GetUtcNow().UtcDateTime, ct);
    }

    /// <summary>
    /// Rates the handling. A complaint merged into another is rated once that one is resolved or closed: the rating is this
    /// complainant's, kept on this complaint like any other, and judges the surviving complaint's handling (its history
    /// records it for its handlers). Null: no such complaint of this user; false: nothing to rate yet, or rated already.
    /// </summary>
    public async Task<bool?> RateAsync(long userId, string number, int score, string? comment, CancellationToken ct)
    {
        var found = await store.FindOwnAsync(userId, number, ct);
        if (found is null) return null;
        var row = found.Value.Row;
        var text = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        if (row.Status == ComplaintStatus.Duplicate)
            return await store.SurvivorAsync(row.Id, ct) is var (s, _) && await store.RateMergedAsync(userId, row.Id, s.Id, row.Number, score, text, now, ct);
        return await store.RateAsync(userId, row.Id, score, text, now, ct);
    }

    /// <summary>Answers a handler's request for information. Null: no such complaint of this user; otherwise the outcome.</summary>
    public async Task<SupplyResult?> SupplyInformationAsync(long userId, string number, SuppliedInformation body, CancellationToken ct)
    {
        var found = await store.FindOwnAsync(userId, number, ct);
        if (found is null) return null;
        var text = body.Text?.Trim() ?? "";
        var photos = body.PhotoIds?.Select(p => p?.ToLowerInvariant() ?? "").Distinct().ToList() ?? [];
        var errors = new Dictionary<string, string[]>();
        if (text.Length > 1000) errors["text"] = ["补充说明不能超过1000字。"];
        if (text.Length == 0 && photos.Count == 0) errors["text"] = ["请填写补充说明或上传照片。"];
        if (photos.Count > MaxPhotos) errors["photoIds"] = [$"一次最多补充{MaxPhotos}张照片。"];
        else if (photos.Any(p => !Sha256Regex().IsMatch(p)) || !await store.OwnsPhotosAsync(userId, photos, ct))
            errors["photoIds"] = ["照片不存在或不是您上传的，请重新上传照片。"];
        if (errors.Count > 0) return new SupplyResult(false, errors);
        var done = await store.SupplyInformationAsync(userId, found.Value.Row.Id, text.Length == 0 ? "（补充了照片）" : text, photos, clock.GetUtcNow().UtcDateTime, ct);
        return new SupplyResult(done, null);
    }

    /// <summary>Done is false when the complaint is not waiting for information (or Errors says what is wrong).</summary>
    public sealed record SupplyResult(bool Done, Dictionary<string, string[]>? Errors);

    private static string EventLabel(string kind, string? agency) => kind switch
    {
        "submitted" => "投诉已提交",
        "routed" => agency is null ? "已分派" : $"已分派至{agency}",
        "in_progress" => agency is null ? "正在处理" : $"{agency}正在处理",
        "waiting_info" => "需要您补充材料",
        "info_supplied" => "您已补充材料",
        "transferred" => agency is null ? "已转办" : $"已转至{agency}",
        "resolved" => "已办结",
        "rejected" => "不属于受理范围",
        "duplicate" => "已合并为重复投诉",
        "closed" => "已关闭",
        "withdrawn" => "您已撤回投诉",
        "rated" => "您已评价",
        "reopened" => "经复核，重新办理",
        "evidence_added" => "已补充送气人信息",
        _ => kind,
    };

    private static Dictionary<string, string[]> Validate(NewComplaint c, out ComplaintCategory? category, out string? cylinderCode)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        category = ComplaintCategories.Find(c.Category);
        if (category is null) Add("category", "请选择投诉类别（见 GET /api/mp/complaint-categories）。");
        var description = c.Description?.Trim() ?? "";
        if (description.Length < 5) Add("description", "请用至少5个字描述问题。");
        else if (description.Length > 1000) Add("description", "问题描述不能超过1000字。");

        cylinderCode = null;
        if (!string.IsNullOrWhiteSpace(c.CylinderCode))
        {
            if (CylinderCode.TryNormalise(c.CylinderCode, out var code)) cylinderCode = code;
            else Add("cylinderCode", "无法识别的气瓶码。" + CylinderCode.Rule);
        }
        else if (category?.RequiresCylinder == true) Add("cylinderCode", "这类投诉需要气瓶码：请扫描瓶身二维码。");

        var hasPoint = c.Latitude is not null || c.Longitude is not null;
        if (hasPoint && (c.Latitude is not (>= -90 and <= 90) || c.Longitude is not (>= -180 and <= 180)))
            Add("location", "位置的经纬度不正确。");
        if (c.DistrictCode is not null && !Platform.ReferenceData.Districts.Codes.Contains(c.DistrictCode)) Add("districtCode", "区县代码不是福州市的区县。");
        if (c.Address?.Length > 200) Add("address", "地址不能超过200字。");
        if (category?.RequiresLocation == true && !hasPoint && c.DistrictCode is null && string.IsNullOrWhiteSpace(c.Address))
            Add("location", "这类投诉需要地点：请允许定位，或填写区县和地址。");

        if (!string.IsNullOrWhiteSpace(c.ContactPhone) && !PhoneRegex().IsMatch(c.ContactPhone.Trim()))
            Add("contactPhone", "联系电话格式不正确（手机号11位，或带区号的固定电话）。");

        var photos = c.PhotoIds ?? [];
        if (photos.Count > MaxPhotos) Add("photoIds", $"最多上传{MaxPhotos}张照片。");
        if (photos.Any(p => p is null || !Sha256Regex().IsMatch(p))) Add("photoIds", "照片编号不正确，请重新上传照片。");
        return errors;
    }

    /// <summary>Canonical hash of a submission, to tell a retry from a different request under the same key.</summary>
    private static string RequestHash(NewComplaint c)
    {
        var canonical = string.Join('\u001f', c.Category, c.Description?.Trim(), c.CylinderCode?.Trim().ToUpperInvariant(),
            c.Latitude?.ToString("R", CultureInfo.InvariantCulture), c.Longitude?.ToString("R", CultureInfo.InvariantCulture), c.DistrictCode,
            c.Address?.Trim(), c.ContactPhone?.Trim(), string.Join(',', c.PhotoIds?.Select(p => p?.ToLowerInvariant()) ?? []));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    [GeneratedRegex(@"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]
    private static partial Regex PhoneRegex();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Regex();
}
