using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Console;

/// <summary>The handler console: sign-in, lockout, passwords and WeChat binding.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    [Range(1, 100, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>A console session ends after this many hours without a request.</summary>
    [Range(1, 24 * 7, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int SessionHours { get; set; } = 8;

    [Range(8, 128, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>Lifetime of the one-time code a staff member sends to the Official Account to bind their WeChat.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int BindCodeMinutes { get; set; } = 10;

    /// <summary>Page size of the complaint queue.</summary>
    [Range(5, 500, ErrorMessage = "Console:{0} must be between {1} and {2}.")]
    public int QueuePageSize { get; set; } = 50;
}
