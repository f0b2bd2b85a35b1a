using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.MiniProgram;

/// <summary>The Mini Program (小程序) as registered with WeChat, and the limits of its API.</summary>
public sealed class MiniProgramOptions
{
    public const string Section = "MiniProgram";

    [Required(ErrorMessage = "MiniProgram:AppId is required (the Mini Program's AppID, wx...).")]
    public string AppId { get; set; } = "";

    [Required(ErrorMessage = "MiniProgram:AppSecret is required (the Mini Program's AppSecret).")]
    public string AppSecret { get; set; } = "";

    /// <summary>Hours a session token stays valid after login.</summary>
    [Range(1, 24 * 90, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int SessionHours { get; set; } = 24 * 7;

    /// <summary>Complaints one user may file per hour.</summary>
    [Range(1, 1000, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int ComplaintsPerUserPerHour { get; set; } = 5;

    /// <summary>Complaints one IP address may file per hour (a shared office or campus NAT needs more).</summary>
    [Range(1, 100000, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int ComplaintsPerIpPerHour { get; set; } = 60;

    /// <summary>Logins one IP address may attempt per minute.</summary>
    [Range(1, 100000, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int LoginsPerIpPerMinute { get; set; } = 30;

    /// <summary>Photo uploads one user may make per hour.</summary>
    [Range(1, 10000, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int PhotosPerUserPerHour { get; set; } = 60;

    /// <summary>Screen complaint text with WeChat's msg_sec_check (risky → 422).</summary>
    public bool ScreenContent { get; set; }

    /// <summary>Largest photo accepted, in bytes.</summary>
    [Range(10_000, 50_000_000, ErrorMessage = "MiniProgram:{0} must be between {1} and {2}.")]
    public int MaxPhotoBytes { get; set; } = 8 * 1024 * 1024;
}
