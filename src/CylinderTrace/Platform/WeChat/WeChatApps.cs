namespace CylinderTrace.Platform.WeChat;

/// <summary>
/// Keys of the keyed WeChatApiClient of each WeChat app this host talks to. The feature that owns the app registers it
/// (with its AppID and secret); any feature that sends through it asks for it by key, without depending on that feature.
/// </summary>
public static class WeChatApps
{
    /// <summary>The Official Account (公众号): template and customer-service messages.</summary>
    public const string OfficialAccount = "oa";

    /// <summary>The Mini Program (小程序): code-to-session, subscribe messages, content screening.</summary>
    public const string MiniProgram = "mp";
}
