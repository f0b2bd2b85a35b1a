namespace CylinderTrace.WeChat.Api;

/// <summary>What an errcode means for the caller (WECHAT.md §2-4).</summary>
public enum WeChatErrorKind
{
    Other,
    /// <summary>-1: WeChat is busy; retried with back-off before this is thrown.</summary>
    Busy,
    /// <summary>40001, 40014, 42001: the access token is invalid or expired; refreshed once and retried once before this is thrown.</summary>
    InvalidToken,
    /// <summary>40013, 40125, 40164: our AppID, secret or server IP is wrong. Never retried; surfaced in health.</summary>
    Configuration,
    /// <summary>45009: the daily call quota is used up. Never retried.</summary>
    DailyLimit,
    /// <summary>40029: the wx.login code is invalid or used.</summary>
    InvalidCode,
    /// <summary>45011: the user is calling too often.</summary>
    RateLimited,
    /// <summary>40226: WeChat marks this user as high-risk.</summary>
    HighRiskUser,
    /// <summary>43101: the user has not consented to (or has used up) this subscribe message.</summary>
    NotConsented,
    /// <summary>47003: the data does not fit the template.</summary>
    TemplateDataMismatch,
    /// <summary>40003: invalid openid.</summary>
    InvalidOpenId,
    /// <summary>43004: the user does not follow the Official Account.</summary>
    NotFollowing,
    /// <summary>40037: invalid template id.</summary>
    InvalidTemplate,
    /// <summary>The HTTP call itself failed or the answer was not WeChat's JSON.</summary>
    Transport,
}

/// <summary>A WeChat API error, with its errcode and what it means.</summary>
public sealed class WeChatApiException(int errCode, string errMsg, string api)
    : Exception($"WeChat {api} failed: errcode {errCode} ({errMsg})")
{
    public int ErrCode { get; } = errCode;
    public string ErrMsg { get; } = errMsg;
    public string Api { get; } = api;
    public WeChatErrorKind Kind { get; } = Classify(errCode);

    /// <summary>Transport failures use this errcode, which WeChat itself never returns.</summary>
    public const int TransportErrCode = int.MinValue;

    public static WeChatErrorKind Classify(int errCode) => errCode switch
    {
        -1 => WeChatErrorKind.Busy,
        40001 or 40014 or 42001 => WeChatErrorKind.InvalidToken,
        40013 or 40125 or 40164 => WeChatErrorKind.Configuration,
        45009 => WeChatErrorKind.DailyLimit,
        40029 => WeChatErrorKind.InvalidCode,
        45011 => WeChatErrorKind.RateLimited,
        40226 => WeChatErrorKind.HighRiskUser,
        43101 => WeChatErrorKind.NotConsented,
        47003 => WeChatErrorKind.TemplateDataMismatch,
        40003 => WeChatErrorKind.InvalidOpenId,
        43004 => WeChatErrorKind.NotFollowing,
        40037 => WeChatErrorKind.InvalidTemplate,
        TransportErrCode => WeChatErrorKind.Transport,
        _ => WeChatErrorKind.Other,
    };
}
