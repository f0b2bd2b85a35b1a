using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Platform.WeChat;

/// <summary>Where the WeChat server APIs are (WireMock in tests).</summary>
public sealed class WeChatOptions
{
    public const string Section = "WeChat";

    /// <summary>Base address of the WeChat APIs.</summary>
    [Required, Url(ErrorMessage = "WeChat:ApiBaseAddress must be an absolute URL, such as https://api.weixin.qq.com/.")]
    public string ApiBaseAddress { get; set; } = "https://api.weixin.qq.com/";

    /// <summary>Seconds before a WeChat API call is given up.</summary>
    [Range(1, 60, ErrorMessage = "WeChat:{0} must be between {1} and {2}.")]
    public int TimeoutSeconds { get; set; } = 5;
}
