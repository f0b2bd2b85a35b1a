namespace CylinderTrace.Staff;

/// <summary>Roles of agency staff (DESIGN.md §2). Each member belongs to exactly one agency.</summary>
public static class StaffRoles
{
    public const string Handler = "handler";
    public const string Supervisor = "supervisor";
    public const string Inspector = "inspector";
    public const string Administrator = "administrator";

    public static readonly IReadOnlyList<string> All = [Handler, Supervisor, Inspector, Administrator];

    public static bool IsKnown(string? role) => role is Handler or Supervisor or Inspector or Administrator;

    public static string Label(string role) => role switch
    {
        Handler => "办理人员",
        Supervisor => "科室负责人",
        Inspector => "执法检查人员",
        Administrator => "系统管理员",
        _ => role,
    };
}

/// <summary>A staff account as stored (the password hash never leaves the Console feature).</summary>
public sealed class StaffAccount
{
    public int Id { get; init; }
    public string Username { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public int AgencyId { get; init; }
    public string AgencyName { get; init; } = "";
    public string AgencyCode { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public bool MustChangePassword { get; init; }
    public string SecurityStamp { get; init; } = "";
    public string? WechatOpenid { get; init; }
    public bool Disabled { get; init; }
    public DateTime? LastLoginAt { get; init; }
}

/// <summary>The signed-in staff member of a request, as the console's authorization sees them.</summary>
/// <param name="CityAdministrator">An administrator of the city-level agency (<c>Console:CityAdministratorAgency</c>): administers every agency.</param>
public sealed record StaffMember(int Id, string Username, string DisplayName, string Role, int AgencyId, string AgencyName, bool MustChangePassword,
    bool WeChatBound, string AgencyCode = "", bool CityAdministrator = false)
{
    /// <summary>Handlers and supervisors work complaints; inspectors and administrators read their agency's.</summary>
    public bool HandlesComplaints => Role is StaffRoles.Handler or StaffRoles.Supervisor;
    public bool IsSupervisor => Role == StaffRoles.Supervisor;
    public bool IsAdministrator => Role == StaffRoles.Administrator;
    public string Actor => "staff:" + Id;

    /// <summary>
    /// Binds the signed-in member as an endpoint's parameter (minimal APIs call this), set when the console validated the
    /// session; an endpoint outside the console's authenticated groups gets none (and a 400 if it asks).
    /// </summary>
    public static ValueTask<StaffMember?> BindAsync(HttpContext context) => ValueTask.FromResult(ConsoleAccess.TryStaff(context));
}

/// <summary>Whose staff accounts an administrator manages: every agency's (<see cref="City"/>) or one agency's.</summary>
public sealed record StaffScope(int? AgencyId)
{
    /// <summary>Every agency: city administrators, and the operator's create-admin/create-staff commands.</summary>
    public static readonly StaffScope City = new((int?)null);

    public bool Covers(int agencyId) => AgencyId is null || AgencyId == agencyId;
}
