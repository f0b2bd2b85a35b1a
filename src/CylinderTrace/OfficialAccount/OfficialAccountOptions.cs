using System.ComponentModel.DataAnnotations;
using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.OfficialAccount;

/// <summary>The Official Account (公众号) as set up in the WeChat console, and how we answer it.</summary>
public sealed class OfficialAccountOptions : IValidatableObject
{
    public const string Section = "OfficialAccount";

    [Required(ErrorMessage = "OfficialAccount:AppId is required (the account's AppID, wx...).")]
    public string AppId { get; set; } = "";

    [Required(ErrorMessage = "OfficialAccount:AppSecret is required (the account's AppSecret).")]
    public string AppSecret { get; set; } = "";

    /// <summary>The Token entered in the console's server settings; signs every push.</summary>
    [Required(ErrorMessage = "OfficialAccount:Token is required (the server-configuration Token, 3-32 characters).")]
    [StringLength(32, MinimumLength = 3, ErrorMessage = "OfficialAccount:Token must be 3-32 characters.")]
    public string Token { get; set; } = "";

    /// <summary>The 43-character EncodingAESKey; required in Compatible and Safe mode.</summary>
    public string EncodingAesKey { get; set; } = "";

    /// <summary>Plaintext, Compatible or Safe, as the console's message encryption is set.</summary>
    public PushMode Mode { get; set; } = PushMode.Safe;

    /// <summary>Link of a card page ({code} is replaced); empty = the public card page (CardPage:PublicBaseUrl), or text when that is unset too.</summary>
    public string CardPageUrl { get; set; } = "";

    /// <summary>Milliseconds a reply may take; past it we answer "success" and send the card as a customer-service message. 0 = always so.</summary>
    [Range(0, 4500, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2} (WeChat waits 5 s).")]
    public int ReplyBudgetMilliseconds { get; set; } = 2000;

    /// <summary>A push whose timestamp is further than this from now is refused as a replay.</summary>
    [Range(10, 86400, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int TimestampWindowSeconds { get; set; } = 300;

    /// <summary>Largest push body accepted.</summary>
    [Range(1024, 1048576, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Seconds a push is remembered, so WeChat's retries take effect once and get the same reply.</summary>
    [Range(30, 86400, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int DedupSeconds { get; set; } = 300;

    /// <summary>
    /// A push whose CreateTime is at most this many seconds from now is taken as a first delivery
    /// (WeChat retries after 5 s), and its reply is stored for retries without waiting for Redis.
    /// 0 = always wait. Keep it below 5 and the servers' clocks in sync (NTP).
    /// </summary>
    [Range(0, 4, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2} (WeChat retries after 5 s).")]
    public int FreshPushSeconds { get; set; } = 2;

    /// <summary>Wrong binding codes (staff "绑定" or enterprise "企业绑定") one WeChat user may send per <see cref="BindAttemptWindowMinutes"/>.</summary>
    [Range(1, 1000, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int BindAttemptsPerUser { get; set; } = 5;

    /// <summary>Wrong binding codes from all WeChat users together per window: guessing with many accounts stops too.</summary>
    [Range(1, 1_000_000, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int BindAttemptsTotal { get; set; } = 200;

    [Range(1, 1440, ErrorMessage = "OfficialAccount:{0} must be between {1} and {2}.")]
    public int BindAttemptWindowMinutes { get; set; } = 10;

    /// <summary>Where residents follow their complaints (shown by the "my complaints" menu item).</summary>
    public string ComplaintsHint { get; set; } = "请打开“福州气瓶安全”小程序，在“我的投诉”中查看办理进度和答复。";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode != PushMode.Plaintext && EncodingAesKey.Length != 43)
            yield return new ValidationResult($"OfficialAccount:EncodingAesKey must be the 43-character key from the console when OfficialAccount:Mode is {Mode}.");
        if (CardPageUrl.Length > 0 && (!Uri.TryCreate(CardPageUrl.Replace("{code}", "X"), UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http")))
            yield return new ValidationResult("OfficialAccount:CardPageUrl must be an absolute http(s) URL, such as https://ct.example.gov.cn/cylinders/{code}.");
    }
}
