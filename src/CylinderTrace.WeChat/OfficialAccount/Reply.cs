using System.Globalization;
using System.Text;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>One article of a news reply.</summary>
public sealed record NewsArticle(string Title, string Description, string Url, string PicUrl = "");

/// <summary>Passive replies (WECHAT.md §1): ToUserName is the user's openid, FromUserName the account's id.</summary>
public static class Reply
{
    /// <summary>The body that acknowledges a push without replying.</summary>
    public const string Success = "success";

    /// <summary>WeChat's limit for the Content of a text reply, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 2048;

    public static string Text(string toUser, string fromUser, long createTime, string content)
    {
        var sb = new StringBuilder(256 + content.Length * 3);
        sb.Append("<xml>");
        PushXml.AppendCData(sb, "ToUserName", toUser);
        PushXml.AppendCData(sb, "FromUserName", fromUser);
        sb.Append("<CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture)).Append("</CreateTime>");
        PushXml.AppendCData(sb, "MsgType", "text");
        PushXml.AppendCData(sb, "Content", Truncate(content, MaxTextBytes));
        return sb.Append("</xml>").ToString();
    }

    public static string News(string toUser, string fromUser, long createTime, NewsArticle article)
    {
        var sb = new StringBuilder(512);
        sb.Append("<xml>");
        PushXml.AppendCData(sb, "ToUserName", toUser);
        PushXml.AppendCData(sb, "FromUserName", fromUser);
        sb.Append("<CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture)).Append("</CreateTime>");
        PushXml.AppendCData(sb, "MsgType", "news");
        sb.Append("<ArticleCount>1</ArticleCount><Articles><item>");
        PushXml.AppendCData(sb, "Title", article.Title);
        PushXml.AppendCData(sb, "Description", article.Description);
        PushXml.AppendCData(sb, "PicUrl", article.PicUrl);
        PushXml.AppendCData(sb, "Url", article.Url);
        return sb.Append("</item></Articles></xml>").ToString();
    }

    /// <summary>Cuts text to at most maxBytes of UTF-8 without splitting a character; marks the cut with "…".</summary>
    public static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var budget = maxBytes - 3; // "…" is 3 bytes
        var used = 0;
        var sb = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget) break;
            used += rune.Utf8SequenceLength;
            sb.Append(rune.ToString());
        }
        return sb.Append('…').ToString();
    }
}
