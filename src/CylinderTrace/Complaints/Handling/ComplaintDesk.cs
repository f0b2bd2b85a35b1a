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
    PhotoStore photos, StaffNotifications staffNotifications, IOptions<ConsoleOptions> options)
{
    public ComplaintHandling Handling => handling;
    public ComplaintQueue Queue => queue;

    /// <summary>The member may only read this complaint.</summary>
    public sealed record ReadOnly : HandlingOutcome;

    /// <summary>The member's access to the complaint with this number, and its id.</summary>
    public async Task<(ComplaintAccess Access, long Id)> AccessAsync(StaffMember s, string number, CancellationToken ct)
    {
        if (number.Length is 0 or > 20) return (ComplaintAccess.None, 0);
        var scope = await queue.ScopeAsync(number, s.AgencyId, ct);
        return scope is null ? (ComplaintAccess.None, 0) : (ConsoleAccess.ForComplaint(s, scope.AgencyId, scope.Informed), scope.Id);
    }

    public Task<QueueResult> QueueAsync(StaffMember me, QueueFilter filter, CancellationToken ct) =>
        queue.QueueAsync(me.AgencyId, me.Id, filter, options.Value.QueuePageSize, ct);

    public async Task<ConsoleComplaint?> ComplaintAsync(StaffMember me, string number, CancellationToken ct)
    {
        var (level, id) = await AccessAsync(me, number, ct);
        if (level == ComplaintAccess.None) return null;
        var c = await queue.DetailAsync(id, ct);
        if (c is null) return null;
        return new ConsoleComplaint(c, level == ComplaintAccess.Act, level == ComplaintAccess.Act ? Actions(me, c) : []);
    }

    /// <summary>The actions the member may take now (the pages show these buttons; the API accepts these calls).</summary>
    public static IReadOnlyList<string> Actions(StaffMember me, StaffComplaint c)
    {
        var actions = new List<string> { "note" };
        if (!ComplaintQueue.OpenStates.Contains(c.Status)) return actions;
        if (c.ClaimedBy is null) actions.Add("claim");
        else if (c.ClaimedBy == me.Id || me.IsSupervisor) actions.Add("release");
        if (c.ClaimedBy is null || c.ClaimedBy == me.Id || me.IsSupervisor)
            actions.AddRange(["information-request", "transfer", "duplicate", "resolve", "reject"]);
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
        return level switch
        {
            ComplaintAccess.Act => await action(Handler.Of(me), id),
            ComplaintAccess.Read => new ReadOnly(),
            _ => new HandlingOutcome.NotFound(),
        };
    }

    /// <summary>Transfers, then tells the receiving agency's staff (Official Account template message).</summary>
    public async Task<HandlingOutcome> TransferAsync(long id, Handler h, string? agencyCode, string? reason, CancellationToken ct)
    {
        var outcome = await handling.TransferAsync(id, h, agencyCode, reason, ct);
        if (outcome is HandlingOutcome.Done) staffNotifications.EnqueueAssigned(id);
        return outcome;
    }
}
