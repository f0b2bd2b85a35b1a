using CylinderTrace.Complaints.Handling;
using CylinderTrace.Cylinders;

namespace CylinderTrace.Console;

public sealed record SignInRequest(string? Username, string? Password);
public sealed record PasswordChange(string? Current, string? Next);
public sealed record NoteRequest(string? Text);
public sealed record InformationRequest(string? Question);
public sealed record TransferRequest(string? Agency, string? Reason);
public sealed record DuplicateRequest(string? Of);
public sealed record ResolveRequest(string? Outcome, string? Reply);
public sealed record RejectRequest(string? Reason, string? Suggestion);
public sealed record NewStaffRequest(string? Username, string? DisplayName, string? Role, string? Agency, string? InitialPassword);
public sealed record StaffUpdate(string? DisplayName, string? Role, string? Agency, bool Disabled);

/// <summary>The signed-in member as the console shows them.</summary>
/// <param name="Administers">For administrators, whose staff they manage: "city" (every agency) or "agency" (their own); null otherwise.</param>
public sealed record MeView(int Id, string Username, string DisplayName, string Role, string RoleLabel, int AgencyId, string Agency, bool MustChangePassword, bool WeChatBound,
    string AgencyCode, string? Administers);

public sealed record BindCodeView(string Code, DateTimeOffset ExpiresAt, string Instruction);

public sealed record StaffView(int Id, string Username, string DisplayName, string Role, string RoleLabel, string AgencyCode, string Agency, bool Disabled,
    bool MustChangePassword, bool WeChatBound, DateTimeOffset? LastLoginAt);

public sealed record CreatedStaffView(int Id, string InitialPassword);

public sealed record AgencyView(int Id, string Code, string Name, string Kind, string DistrictCode);

/// <summary>The complaint as staff see it, with what the member may do to it.</summary>
public sealed record ConsoleComplaint(StaffComplaint Complaint, bool CanAct, IReadOnlyList<string> Actions);

/// <summary>The complaint's cylinder now: its current card and its recent trace.</summary>
public sealed record ConsoleCylinder(string Code, CylinderCard? Card, IReadOnlyList<TraceEvent> Trace);
