using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>Why a push was refused. Every failure of the push protocol maps to one of these.</summary>
public enum PushRejection
{
    None = 0,
    MissingSignature,
    BadSignature,
    StaleTimestamp,
    BodyTooLarge,
    MalformedXml,
    ForbiddenDtd,
    MissingEncrypt,
    BadBase64,
    BadCiphertext,
    BadPadding,
    BadLength,
    WrongAppId,
}

/// <summary>
/// Safe-mode message encryption of the Official Account (WECHAT.md §1, following WeChat's published
/// "消息加解密" description and sample code): AES-256-CBC, key = Base64(EncodingAESKey + "="),
/// IV = the key's first 16 bytes, plaintext = 16 random bytes ‖ 4-byte big-endian length ‖ message ‖
/// AppID, PKCS#7 padding to a block of 32 bytes (not the cipher's 16).
/// </summary>
public sealed class MessageCrypto
{
    private const int PadBlock = 32;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly byte[] _key;
    private readonly byte[] _appId;
    // One AES object per thread: making one (native handle, key schedule) costs more than a short
    // message's encryption, and an instance's one-shot methods are not promised to be thread-safe.
    private readonly ThreadLocal<Aes> _aes;

    public MessageCrypto(string encodingAesKey, string appId)
    {
        if (encodingAesKey is null || encodingAesKey.Length != 43)
            throw new ArgumentException("EncodingAESKey must be 43 characters.", nameof(encodingAesKey));
        try { _key = Convert.FromBase64String(encodingAesKey + "="); }
        catch (FormatException) { throw new ArgumentException("EncodingAESKey is not valid Base64.", nameof(encodingAesKey)); }
        if (_key.Length != 32) throw new ArgumentException("EncodingAESKey must decode to 32 bytes.", nameof(encodingAesKey));
        if (string.IsNullOrEmpty(appId)) throw new ArgumentException("AppID is required.", nameof(appId));
        _appId = Encoding.UTF8.GetBytes(appId);
        var key = _key;
        _aes = new ThreadLocal<Aes>(() =>
        {
            var aes = Aes.Create();
            aes.Key = key;
            return aes;
        });
    }

    /// <summary>Encrypts a message; <paramref name="random16"/> is for known-answer tests only.</summary>
    public string Encrypt(string message, ReadOnlySpan<byte> random16 = default)
    {
        var msg = Encoding.UTF8.GetBytes(message);
        var length = 16 + 4 + msg.Length + _appId.Length;
        var pad = PadBlock - length % PadBlock;
        var plain = new byte[length + pad];
        if (random16.Length == 16) random16.CopyTo(plain);
        else RandomNumberGenerator.Fill(plain.AsSpan(0, 16));
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16, 4), msg.Length);
        msg.CopyTo(plain, 20);
        _appId.CopyTo(plain, 20 + msg.Length);
        plain.AsSpan(length).Fill((byte)pad);
        return Convert.ToBase64String(_aes.Value!.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Decrypts an Encrypt field; on failure returns null with the reason. Never throws for bad input.</summary>
    public string? Decrypt(string? encrypt, out PushRejection rejection)
    {
        rejection = PushRejection.None;
        if (string.IsNullOrEmpty(encrypt)) { rejection = PushRejection.MissingEncrypt; return null; }
        byte[] cipher;
        try { cipher = Convert.FromBase64String(encrypt); }
        catch (FormatException) { rejection = PushRejection.BadBase64; return null; }
        if (cipher.Length == 0 || cipher.Length % 16 != 0) { rejection = PushRejection.BadCiphertext; return null; }

        byte[] plain;
        try { plain = _aes.Value!.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None); }
        catch (CryptographicException) { rejection = PushRejection.BadCiphertext; return null; }

        int pad = plain[^1];
        if (pad < 1 || pad > PadBlock || pad > plain.Length) { rejection = PushRejection.BadPadding; return null; }
        for (var i = plain.Length - pad; i < plain.Length; i++)
            if (plain[i] != pad) { rejection = PushRejection.BadPadding; return null; }
        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < 20) { rejection = PushRejection.BadLength; return null; }
        var msgLength = BinaryPrimitives.ReadInt32BigEndian(content.Slice(16, 4));
        if (msgLength < 0 || msgLength > content.Length - 20) { rejection = PushRejection.BadLength; return null; }
        var appId = content[(20 + msgLength)..];
        if (!CryptographicOperations.FixedTimeEquals(appId, _appId)) { rejection = PushRejection.WrongAppId; return null; }
        try
        {
            return StrictUtf8.GetString(content.Slice(20, msgLength));
        }
        catch (DecoderFallbackException) { rejection = PushRejection.BadLength; return null; }
    }
}
