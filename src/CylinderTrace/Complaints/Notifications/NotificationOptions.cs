using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Complaints.Notifications;

/// <summary>Subscribe-message templates of the Mini Program for complaint notifications. An empty template id turns that notification off.</summary>
public sealed class NotificationOptions
{
    public const string Section = "ComplaintNotifications";

    public string AcceptedTemplateId { get; set; } = "";
    public string RoutedTemplateId { get; set; } = "";
    public string ResolvedTemplateId { get; set; } = "";
    /// <summary>Sent when a handler asks the complainant for more information.</summary>
    public string InfoRequestedTemplateId { get; set; } = "";

    /// <summary>Mini Program page opened from the message; {number} is replaced.</summary>
    public string Page { get; set; } = "pages/complaint/detail?number={number}";

    /// <summary>developer, trial or formal.</summary>
    [RegularExpression("^(developer|trial|formal)$", ErrorMessage = "ComplaintNotifications:MiniProgramState must be developer, trial or formal.")]
    public string MiniProgramState { get; set; } = "formal";

    /// <summary>Template data keys, as the templates chosen in the WeChat console name them.</summary>
    public string NumberKey { get; set; } = "character_string1";
    public string CategoryKey { get; set; } = "thing2";
    public string StatusKey { get; set; } = "phrase3";
    public string TimeKey { get; set; } = "time4";
    public string RemarkKey { get; set; } = "thing5";

    /// <summary>Attempts before a notification that keeps failing is given up (recorded as failed).</summary>
    [Range(1, 50, ErrorMessage = "ComplaintNotifications:{0} must be between {1} and {2}.")]
    public int MaxAttempts { get; set; } = 8;
}
