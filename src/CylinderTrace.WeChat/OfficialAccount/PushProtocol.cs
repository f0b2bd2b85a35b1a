using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>How the account's message encryption is set up in the WeChat console.</summary>
public enum PushMode
{
    /// <summary>明文模式: plaintext fields, `signature` only.</summary>
    Plaintext,
    /// <summary>兼容模式: plaintext fields and an Encrypt field; replies may be either.</summary>
    Compatible,
    /// <summary>安全模式: only ToUserName and Encrypt; replies are encrypted.</summary>
    Safe,
}

/// <summary>Settings of the push protocol; the host binds and validates them.</summary>
public sealed record PushSettings(string Token, string AppId, string? EncodingAesKey, PushMode Mode, TimeSpan TimestampWindow, int MaxBodyChars);

/// <summary>The query string WeChat adds to a push.</summary>
public sealed record PushQuery(string? Signature, string? Timestamp, string? Nonce, string? EncryptType, string? MsgSignature);

/// <summary>An accepted push: the message, whether its reply must be encrypted, and its (decrypted) XML.</summary>
public sealed record OpenedPush(InboundMessage Message, bool Encrypted, string Xml);

/// <summary>
/// The Official Account push protocol, end to end: checks the signature and the timestamp before
/// anything expensive, reads the XML safely, decrypts in safe (or compatible) mode, and seals
/// replies the same way the push came.
/// </summary>
public sealed class PushProtocol
{
    private readonly PushSettings _settings;
    private readonly MessageCrypto? _crypto;
    private readonly TimeProvider _clock;

    public PushProtocol(PushSettings settings, TimeProvider clock)
    {
        _settings = settings;
        _clock = clock;
        if (settings.Mode != PushMode.Plaintext || !string.IsNullOrEmpty(settings.EncodingAesKey))
            _crypto = new MessageCrypto(settings.EncodingAesKey ?? "", settings.AppId);
    }

    /// <summary>GET verification: true when the signature is right and the timestamp fresh.</summary>
    public bool VerifyUrl(PushQuery q, out PushRejection rejection)
    {
        rejection = CheckSignatureAndTime(q);
        return rejection == PushRejection.None;
    }

    public OpenedPush? Open(PushQuery q, string body, out PushRejection rejection)
    {
        rejection = CheckSignatureAndTime(q);
        if (rejection != PushRejection.None) return null;
        if (body.Length > _settings.MaxBodyChars) { rejection = PushRejection.BodyTooLarge; return null; }

        var encrypted = string.Equals(q.EncryptType, "aes", StringComparison.OrdinalIgnoreCase);
        if (_settings.Mode == PushMode.Plaintext) encrypted = false;

        // A safe-mode envelope is only read for its Encrypt field, which msg_signature then
        // authenticates; the usual shape is taken without an XML reader, anything else gets one.
        Dictionary<string, string>? outer = null;
        string? encrypt = null;
        if (encrypted && _settings.Mode == PushMode.Safe)
            encrypt = SafeModeEncrypt(body);
        if (encrypt is null)
        {
            outer = PushXml.ReadFields(body, _settings.MaxBodyChars, out rejection);
            if (outer is null) return null;
            if (_settings.Mode == PushMode.Safe && !encrypted) { rejection = PushRejection.MissingEncrypt; return null; }
            if (encrypted && (!outer.TryGetValue("Encrypt", out encrypt) || encrypt.Length == 0)) { rejection = PushRejection.MissingEncrypt; return null; }
        }

        var fields = outer;
        var messageXml = body;
        if (encrypted)
        {
            if (string.IsNullOrEmpty(q.MsgSignature)) { rejection = PushRejection.MissingSignature; return null; }
            if (!Signature.Verify(q.MsgSignature, _settings.Token, q.Timestamp!, q.Nonce!, encrypt!)) { rejection = PushRejection.BadSignature; return null; }
            var xml = _crypto!.Decrypt(encrypt, out rejection);
            if (xml is null) return null;
            messageXml = xml;
            fields = PushXml.ReadFields(xml, _settings.MaxBodyChars, out rejection);
            if (fields is null) return null;
        }

        var message = PushXml.ToMessage(fields!, out rejection);
        return message is null ? null : new OpenedPush(message, encrypted, messageXml);
    }

    /// <summary>The HTTP body for a reply: as is, or in the encrypted envelope when the push was encrypted.</summary>
    public string Seal(string replyXml, bool encrypted)
    {
        if (!encrypted || replyXml == Reply.Success) return replyXml;
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var encrypt = _crypto!.Encrypt(replyXml);
        var signature = Signature.Compute(_settings.Token, timestamp, nonce, encrypt);
        var sb = new StringBuilder(encrypt.Length + 256);
        sb.Append("<xml>");
        PushXml.AppendCData(sb, "Encrypt", encrypt);
        PushXml.AppendCData(sb, "MsgSignature", signature);
        sb.Append("<TimeStamp>").Append(timestamp).Append("</TimeStamp>");
        PushXml.AppendCData(sb, "Nonce", nonce);
        return sb.Append("</xml>").ToString();
    }

    /// <summary>
    /// The Encrypt value of an envelope shaped exactly as WeChat sends it in safe mode
    /// (&lt;xml&gt;&lt;ToUserName&gt;&lt;![CDATA[…]]&gt;&lt;/ToUserName&gt;&lt;Encrypt&gt;&lt;![CDATA[base64]]&gt;&lt;/Encrypt&gt;&lt;/xml&gt;, whitespace
    /// between elements allowed); null for anything else, which then goes through the XML reader.
    /// </summary>
    internal static string? SafeModeEncrypt(string body)
    {
        var s = body.AsSpan().Trim();
        if (!s.StartsWith("<xml>") || !s.EndsWith("</xml>")) return null;
        s = s[5..^6].Trim();
        if (s.StartsWith("<ToUserName><![CDATA["))
        {
            var end = s.IndexOf("]]></ToUserName>");
            if (end < 0) return null;
            var name = s["<ToUserName><![CDATA[".Length..end];
            if (name.ContainsAny("<>&]")) return null;
            s = s[(end + "]]></ToUserName>".Length)..].TrimStart();
        }
        const string open = "<Encrypt><![CDATA[", close = "]]></Encrypt>";
        if (!s.StartsWith(open) || !s.EndsWith(close)) return null;
        var value = s[open.Length..^close.Length];
        foreach (var ch in value)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '+' or '/' or '=')) return null;
        return value.Length == 0 ? null : value.ToString();
    }

    private PushRejection CheckSignatureAndTime(PushQuery q)
    {
        if (string.IsNullOrEmpty(q.Signature) || string.IsNullOrEmpty(q.Timestamp) || string.IsNullOrEmpty(q.Nonce))
            return PushRejection.MissingSignature;
        if (q.Timestamp.Length > 20 || q.Nonce.Length > 64) return PushRejection.BadSignature;
        if (!Signature.Verify(q.Signature, _settings.Token, q.Timestamp, q.Nonce)) return PushRejection.BadSignature;
        if (!long.TryParse(q.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts)) return PushRejection.StaleTimestamp;
        var age = Math.Abs(_clock.GetUtcNow().ToUnixTimeSeconds() - ts);
        return age > _settings.TimestampWindow.TotalSeconds ? PushRejection.StaleTimestamp : PushRejection.None;
    }
}
