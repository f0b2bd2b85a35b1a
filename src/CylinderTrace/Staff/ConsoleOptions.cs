using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Staff;

/// <summary>The handler console: sign-in, lockout, passwords and WeChat binding.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// Wrong passwords for one username within <see cref="LockoutMinutes"/> after which clients that never signed in
    /// as that member are throttled (429); a browser that signed in as the member before keeps its own count.
    /// </summary>
    [Range(1, 100, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>The window over which failed sign-ins are counted, and so the longest a client waits once throttled.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Failed sign-ins from one IP address (any usernames) within <see cref="LockoutMinutes"/> before it is throttled.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int SignInFailuresPerIp { get; set; } = 30;

    /// <summary>How long a browser that signed in is remembered as the member's (its failed sign-ins are counted apart).</summary>
    [Range(1, 730, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int KnownDeviceDays { get; set; } = 180;

    /// <summary>A console session ends after this many hours without a request.</summary>
    [Range(1, 24 * 7, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int SessionHours { get; set; } = 8;

    /// <summary>A console session ends this many hours after sign-in, however active (server-side; the member signs in again).</summary>
    [Range(1, 24 * 30, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int SessionAbsoluteHours { get; set; } = 12;

    /// <summary>
    /// The agency whose administrators administer every agency's staff, the routing rules and the jobs dashboard
    /// (the city's gas authority by default). Administrators of any other agency manage their own agency's staff only.
    /// </summary>
    [Required(ErrorMessage = "Console:CityAdministratorAgency is required (the code of the agency whose administrators administer the whole city, e.g. gas-350100).")]
    public string CityAdministratorAgency { get; set; } = "gas-350100";


    [Range(8, 128, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>Lifetime of the one-time code a staff member sends to the Official Account to bind their WeChat.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int BindCodeMinutes { get; set; } = 10;

    /// <summary>Page size of the complaint queue.</summary>
    [Range(5, 500, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int QueuePageSize { get; set; } = 50;
}
