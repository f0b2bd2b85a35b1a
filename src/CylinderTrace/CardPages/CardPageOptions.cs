using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace CylinderTrace.CardPages;

/// <summary>The public card page that a cylinder's QR label opens, and the labels that carry its URL.</summary>
public sealed partial class CardPageOptions : IValidatableObject
{
    public const string Section = "CardPage";

    /// <summary>
    /// Scheme and host the labels' QR codes and the Official Account's links point at (https://ct.example.gov.cn), without a path.
    /// Empty: pages answer at any host, the Official Account replies with text, and labels cannot be made.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>The path the card page answers under: {PathPrefix}/{code}. /qr/{code} answers too (labels printed before).</summary>
    public string PathPrefix { get; set; } = "/c";

    /// <summary>The city in "数据来源：福州市气瓶安全追溯系统" and in the short names on labels.</summary>
    [Required(ErrorMessage = "CardPage:CityName is required (e.g. 福州市).")]
    public string CityName { get; set; } = "福州市";

    /// <summary>The hotline residents call (page, labels), e.g. the city's 12345.</summary>
    [Required, RegularExpression(@"^[0-9][0-9\-]{2,19}$", ErrorMessage = "CardPage:Hotline must be a telephone number of digits and hyphens (e.g. 12345 or 0591-12345).")]
    public string Hotline { get; set; } = "12345";

    /// <summary>The Mini Program page that files a complaint (it receives ?code=); empty when the Mini Program is not in service, so the page points to the Official Account.</summary>
    public string MiniProgramComplaintPage { get; set; } = "pages/complaint/new";

    /// <summary>release, trial or develop: which version of the Mini Program the complaint link opens.</summary>
    [RegularExpression("^(release|trial|develop)$", ErrorMessage = "CardPage:MiniProgramEnvVersion must be release, trial or develop.")]
    public string MiniProgramEnvVersion { get; set; } = "release";

    /// <summary>Days a complaint link stays valid (WeChat allows 1-30); it is cached a day less.</summary>
    [Range(2, 30, ErrorMessage = "CardPage:{0} must be between {1} and {2} (WeChat's links last at most 30 days).")]
    public int ComplaintLinkDays { get; set; } = 30;

    /// <summary>New complaint links one client address may cause per 10 minutes (links of the same cylinder come from the cache and are free).</summary>
    [Range(1, 100000, ErrorMessage = "CardPage:{0} must be between {1} and {2}.")]
    public int ComplaintLinksPerIp { get; set; } = 30;

    /// <summary>The Official Account's name, shown where the Mini Program cannot be opened.</summary>
    [Required]
    public string OfficialAccountName { get; set; } = "福州瓶装液化气安全追溯";

    /// <summary>Optional link to the Official Account's profile (opens it inside WeChat).</summary>
    public string OfficialAccountUrl { get; set; } = "";

    /// <summary>Size of one label in millimetres (label stock; 50 × 30 by default).</summary>
    [Range(30, 150, ErrorMessage = "CardPage:{0} must be between {1} and {2} mm.")]
    public int LabelWidthMm { get; set; } = 50;

    [Range(20, 150, ErrorMessage = "CardPage:{0} must be between {1} and {2} mm.")]
    public int LabelHeightMm { get; set; } = 30;

    /// <summary>Most labels on one sheet (one request).</summary>
    [Range(1, 10000, ErrorMessage = "CardPage:{0} must be between {1} and {2}.")]
    public int MaxLabels { get; set; } = 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl.Length > 0 && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http")
                                         || u.AbsolutePath.Trim('/').Length > 0 || u.Query.Length > 0))
            yield return new ValidationResult("CardPage:PublicBaseUrl must be an absolute http(s) address without a path, such as https://ct.example.gov.cn.");
        if (!PrefixPattern().IsMatch(PathPrefix) || PathPrefix is "/qr" or "/api" or "/console" or "/health" or "/wechat" or "/open311" or "/openapi" or "/hangfire")
            yield return new ValidationResult("CardPage:PathPrefix must be a short path of lower-case letters, digits and hyphens such as /c, not one the host uses itself.");
        if (MiniProgramComplaintPage.Contains('?') || MiniProgramComplaintPage.StartsWith('/'))
            yield return new ValidationResult("CardPage:MiniProgramComplaintPage is a page path without a leading slash or query, such as pages/complaint/new.");
        if (OfficialAccountUrl.Length > 0 && (!Uri.TryCreate(OfficialAccountUrl, UriKind.Absolute, out var oa) || oa.Scheme != "https"))
            yield return new ValidationResult("CardPage:OfficialAccountUrl must be an https address (the account's profile link) or empty.");
        if (LabelHeightMm > LabelWidthMm)
            yield return new ValidationResult("CardPage:LabelHeightMm may not exceed CardPage:LabelWidthMm (labels are laid out landscape).");
    }

    [GeneratedRegex("^/[a-z0-9][a-z0-9-]{0,19}$")]
    private static partial Regex PrefixPattern();

    /// <summary>The card page's address of a code: absolute when PublicBaseUrl is set, else a path.</summary>
    public string PageUrl(string code) => PublicBaseUrl.TrimEnd('/') + PathPrefix + "/" + Uri.EscapeDataString(code);
}
