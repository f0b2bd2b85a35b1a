using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Cylinders;
using CylinderTrace.Staff;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Handling;

/// <summary>The complaint as staff see it, with what the member may do to it.</summary>
public sealed record ConsoleComplaint(StaffComplaint Complaint, bool CanAct, IReadOnlyList<string> Actions);

/// <summary>The complaint's cylinder now: its current card and its recent trace.</summary>
public sealed record ConsoleCylinder(string Code, CylinderCard? Card, IReadOnlyList<TraceEvent> Trace);

/// <summary>
/// What the console's complaint API and pages both do: every call first asks <see cref="ConsoleAccess.ForComplaint"/>
/// with the complaint's handling agency and whether the member's agency is informed of it.
/// </summary>
public sealed class ComplaintDesk(ComplaintQueue queue, ComplaintHandling handling, CylinderStore cylinders, CylinderCards cards, CylinderHistory history,
    PhotoStore photos, StaffNotifications staffNotifications, IOptions<ConsoleOptions> options, Platform.Privacy.PersonalData personalData, TimeProvider clock)
{
    public ComplaintHandling Handling => handling;
    public ComplaintQueue Queue => queue;

    /// <summary>The member may only read this complaint.</summary>
    public sealed record ReadOnly : HandlingOutcome;

    /// <summary>The member's access to the complaint with this number, and its id.</summary>
    public async Task<(ComplaintAccess Access, long Id)> AccessAsync(StaffMember s, string number, CancellationToken ct)
    {
        var (access, id, _) = await ScopeAsync(s, number, ct);
        return (access, id);
    }

    /// <summary>The member's access, the complaint's id and its handling agency.</summary>
    private async Task<(ComplaintAccess Access, long Id, int? AgencyId)> ScopeAsync(StaffMember s, string number, CancellationToken ct)
    {
        if (number.Length is 0 or > 20) return (ComplaintAccess.None, 0, null);
        var scope = await queue.ScopeAsync(number, s.AgencyId, ct);
        return scope is null ? (ComplaintAccess.None, 0, null) : (ConsoleAccess.ForComplaint(s, scope.AgencyId, scope.Informed), scope.Id, scope.AgencyId);
    }

    public Task<QueueResult> QueueAsync(StaffMember me, QueueFilter filter, CancellationToken ct) =>
        queue.QueueAsync(me.AgencyId, me.Id, filter, options.Value.QueuePageSize, ct);

    public async Task<ConsoleComplaint?> ComplaintAsync(StaffMember me, string number, CancellationToken ct)
    {
        var (level, id) = await AccessAsync(me, number, ct);
        if (level == ComplaintAccess.None) return null;
        var c = await queue.DetailAsync(id, ct);
        if (c is null) return null;
        return new ConsoleComplaint(c, level == ComplaintAccess.Act, level == ComplaintAccess.Act ? Actions(me, c)
            : ComplaintQueue.OpenStates.Contains(c.Status) && ConsoleAccess.MayUrge(me, c.AgencyId) ? ["urge"] : []);
    }

    /// <summary>The actions the member may take now (the pages show these buttons; the API accepts these calls).</summary>
    public static IReadOnlyList<string> Actions(StaffMember me, StaffComplaint c)
    {
        var actions = new List<string> { "note" };
        if (c.HasPhone && ConsoleAccess.MayRevealPhone(me, c.AgencyId)) actions.Add("reveal-phone");
        if (!ComplaintQueue.OpenStates.Contains(c.Status))
        {
            if (ConsoleAccess.MaySupervise(me) && c.Status is ComplaintStatus.Resolved or ComplaintStatus.Rejected) actions.Add("reopen");
            return actions;
        }
        if (c.ClaimedBy is null) actions.Add("claim");
        else if (c.ClaimedBy == me.Id || me.IsSupervisor) actions.Add("release");
        if (ConsoleAccess.MaySupervise(me)) actions.AddRange(["assign", "urge"]);
        if (c.ClaimedBy is null || c.ClaimedBy == me.Id || me.IsSupervisor)
        {
            actions.AddRange(["information-request", "transfer", "duplicate", "resolve", "reject"]);
            if (c.Extension is null) actions.Add("extension-request");
        }
        if (c.Extension is not null && ConsoleAccess.MaySupervise(me) && c.Extension.RequestedById != me.Id) actions.Add("extension-decision");
        return actions;
    }

    /// <summary>Null: no access. Code "": the complaint names no cylinder.</summary>
    public async Task<ConsoleCylinder?> CylinderAsync(StaffMember me, string number, CancellationToken ct) =>
        await ComplaintAsync(me, number, ct) is { } view ? await CylinderAsync(view, ct) : null;

    /// <summary>The cylinder of a complaint the member already has in view.</summary>
    public async Task<ConsoleCylinder> CylinderAsync(ConsoleComplaint view, CancellationToken ct)
    {
        if (view.Complaint.CylinderCode is not { } code) return new ConsoleCylinder("", null, []);
        var card = await cards.GetCardAsync(code, ct);
        var facts = card is null ? null : await cylinders.FindByCodeAsync(code, ct);
        return new ConsoleCylinder(code, card, facts is null ? [] : await history.RecentAsync(facts.Id, 20, ct));
    }

    /// <summary>A complaint's photo, for the staff of the agency handling it only (informed agencies read the text, not the photos).</summary>
    public async Task<(string Path, string ContentType)?> PhotoAsync(StaffMember me, string number, string photoId, CancellationToken ct)
    {
        var (level, id) = await AccessAsync(me, number, ct);
        if (level == ComplaintAccess.None) return null;
        var (agencyId, photoIds) = await queue.PhotosAsync(id, ct);
        if (!ConsoleAccess.MaySeePhotos(me, agencyId)) return null;
        var sha = photoId.ToLowerInvariant();
        return photoIds.Contains(sha) ? await photos.FindAsync(sha, ct) : null;
    }

    public async Task<HandlingOutcome> ActAsync(StaffMember me, string number, Func<Handler, long, Task<HandlingOutcome>> action, CancellationToken ct)
    {
        var (level, id) = await AccessAsync(me, number, ct);
        var outcome = level switch
        {
            ComplaintAccess.Act => await action(Handler.Of(me), id),
            ComplaintAccess.Read => new ReadOnly(),
            _ => new HandlingOutcome.NotFound(),
        };
        if (outcome is HandlingOutcome.Done { Notify: { } notice }) staffNotifications.EnqueueNotice(id, notice);
        return outcome;
    }

    /// <summary>催办: from the handling agency (its supervisors) or an agency that reads the complaint (informed, or superior).</summary>
    public async Task<HandlingOutcome> UrgeAsync(StaffMember me, string number, string? text, CancellationToken ct)
    {
        var (level, id, agencyId) = await ScopeAsync(me, number, ct);
        if (level == ComplaintAccess.None) return new HandlingOutcome.NotFound();
        if (!ConsoleAccess.MayUrge(me, agencyId))
            return new HandlingOutcome.Forbidden(agencyId == me.AgencyId ? "本单位的投诉由科室负责人催办。" : "只有抄送、督办单位的办理人员和科室负责人可以催办。");
        var outcome = await handling.UrgeAsync(id, Handler.Of(me), text, ct);
        if (outcome is HandlingOutcome.Done { Notify: { } notice }) staffNotifications.EnqueueNotice(id, notice);
        return outcome;
    }

    /// <summary>The outcome of revealing a complainant's phone.</summary>
    public abstract record PhoneOutcome
    {
        public sealed record Revealed(string Phone, DateTimeOffset At) : PhoneOutcome;
        public sealed record NoPhone : PhoneOutcome;
        public sealed record Forbidden : PhoneOutcome;
        public sealed record NotFound : PhoneOutcome;
    }

    /// <summary>回访: the full phone for the handling agency's handlers and supervisors, each reveal logged.</summary>
    public async Task<PhoneOutcome> RevealPhoneAsync(StaffMember me, string number, CancellationToken ct)
    {
        var (level, id, agencyId) = await ScopeAsync(me, number, ct);
        if (level == ComplaintAccess.None) return new PhoneOutcome.NotFound();
        if (!ConsoleAccess.MayRevealPhone(me, agencyId)) return new PhoneOutcome.Forbidden();
        return await handling.RevealPhoneAsync(id, Handler.Of(me), personalData.Decrypt, ct) switch
        {
            null => new PhoneOutcome.NotFound(),
            { Phone: null } => new PhoneOutcome.NoPhone(),
            var (phone, at) => new PhoneOutcome.Revealed(phone!, Platform.Time.ShanghaiTime.FromUtc(at)),
        };
    }

    /// <summary>How long a reveal keeps the number on the member's page (the page is reloaded after the POST).</summary>
    public static readonly TimeSpan RevealShown = TimeSpan.FromMinutes(10);

    /// <summary>The phone this member revealed in the last minutes (shown again on the page that follows the reveal), or null.</summary>
    public async Task<string?> RecentlyRevealedPhoneAsync(StaffMember me, ConsoleComplaint view, CancellationToken ct)
    {
        if (!ConsoleAccess.MayRevealPhone(me, view.Complaint.AgencyId)) return null;
        var enc = await queue.RevealedPhoneAsync(view.Complaint.Id, me.Id, clock.GetUtcNow().UtcDateTime - RevealShown, ct);
        return enc is null ? null : personalData.Decrypt(enc);
    }

    /// <summary>The complaint after <paramref name="after"/> in the filtered queue (the first one if it left the queue), or null.</summary>
    public async Task<string?> NextAsync(StaffMember me, QueueFilter filter, string after, CancellationToken ct)
    {
        var rows = await queue.AllAsync(me.AgencyId, me.Id, filter with { Page = 1 }, 500, ct);
        var i = rows.ToList().FindIndex(r => r.Item.Number == after);
        var next = i >= 0 ? rows.Skip(i + 1).FirstOrDefault() : rows.FirstOrDefault(r => r.Item.Number != after);
        return next?.Item.Number;
    }

    public Task<IReadOnlyList<ExportRow>> ExportAsync(StaffMember me, QueueFilter filter, int max, CancellationToken ct) =>
        queue.AllAsync(me.AgencyId, me.Id, filter with { Page = 1 }, max, ct);

    /// <summary>Transfers, then tells the receiving agency's staff (Official Account template message).</summary>
    public async Task<HandlingOutcome> TransferAsync(long id, Handler h, string? agencyCode, string? reason, CancellationToken ct)
    {
        var outcome = await handling.TransferAsync(id, h, agencyCode, reason, ct);
        // The staff of the receiving agency hear of it as of a routed complaint.
        if (outcome is HandlingOutcome.Done) staffNotifications.EnqueueAssigned(id);
        return outcome;
    }
}
