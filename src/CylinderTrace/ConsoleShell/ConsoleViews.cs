namespace CylinderTrace.ConsoleShell;

public sealed record SignInRequest(string? Username, string? Password);
public sealed record PasswordChange(string? Current, string? Next);
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
