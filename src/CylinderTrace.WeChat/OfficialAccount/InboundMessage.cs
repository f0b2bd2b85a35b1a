using System.Globalization;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>A message or event pushed to the Official Account (WECHAT.md §1). All text is untrusted.</summary>
public abstract record InboundMessage(string ToUserName, string FromUserName, long CreateTime)
{
    /// <summary>Same for every retry of one push: MsgId for messages; sender, time and event for events.</summary>
    public abstract string DedupKey { get; }
}

public abstract record InboundUserMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId)
    : InboundMessage(ToUserName, FromUserName, CreateTime)
{
    public override string DedupKey => "m:" + MsgId.ToString(CultureInfo.InvariantCulture);
}

public abstract record InboundEvent(string ToUserName, string FromUserName, long CreateTime, string Event)
    : InboundMessage(ToUserName, FromUserName, CreateTime)
{
    public override string DedupKey => $"e:{FromUserName}:{CreateTime.ToString(CultureInfo.InvariantCulture)}:{Event}";
}

public sealed record TextMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string Content)
    : InboundUserMessage(ToUserName, FromUserName, CreateTime, MsgId);

public sealed record ImageMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string PicUrl, string MediaId)
    : InboundUserMessage(ToUserName, FromUserName, CreateTime, MsgId);

public sealed record LocationMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId,
    double Latitude, double Longitude, int Scale, string Label)
    : InboundUserMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <summary>Any other message type (voice, video, link, ...), kept so it can be acknowledged.</summary>
public sealed record OtherMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string MsgType)
    : InboundUserMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <summary>Followed the account; Scene is the parametric QR's scene (EventKey without "qrscene_"), if any.</summary>
public sealed record SubscribeEvent(string ToUserName, string FromUserName, long CreateTime, string? Scene, string? Ticket)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "subscribe");

public sealed record UnsubscribeEvent(string ToUserName, string FromUserName, long CreateTime)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "unsubscribe");

/// <summary>An already-following user scanned a parametric QR code (Event SCAN).</summary>
public sealed record QrSceneEvent(string ToUserName, string FromUserName, long CreateTime, string Scene, string? Ticket)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "SCAN");

public sealed record MenuClickEvent(string ToUserName, string FromUserName, long CreateTime, string Key)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "CLICK");

public sealed record MenuViewEvent(string ToUserName, string FromUserName, long CreateTime, string Url)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "VIEW");

/// <summary>A scanner menu button: scancode_waitmsg (WaitsForReply, WeChat shows "receiving") or scancode_push.</summary>
public sealed record ScanCodeEvent(string ToUserName, string FromUserName, long CreateTime, string Event, string Key, string ScanType, string ScanResult)
    : InboundEvent(ToUserName, FromUserName, CreateTime, Event)
{
    public bool WaitsForReply => Event == "scancode_waitmsg";
}

public sealed record LocationEvent(string ToUserName, string FromUserName, long CreateTime, double Latitude, double Longitude, double Precision)
    : InboundEvent(ToUserName, FromUserName, CreateTime, "LOCATION");

/// <summary>Any other event, kept so it can be acknowledged.</summary>
public sealed record OtherEvent(string ToUserName, string FromUserName, long CreateTime, string Event, string? Key)
    : InboundEvent(ToUserName, FromUserName, CreateTime, Event);
