using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Privacy;

/// <summary>
/// Protects buyers' personal data at rest (DESIGN.md §3): AES-256-GCM for values we must read back,
/// HMAC-SHA256 for values we only look up by. Ciphertext layout: version byte 1 ‖ 12-byte nonce ‖ 16-byte tag ‖ ciphertext.
/// </summary>
public sealed class PersonalData
{
    private const byte Version = 1;
    private readonly byte[] _key;
    private readonly byte[] _hashKey;

    public PersonalData(IOptions<PrivacyOptions> options)
    {
        _key = DecodeKey(options.Value.EncryptionKey, "Privacy:EncryptionKey", exact: 32);
        _hashKey = DecodeKey(options.Value.HashKey, "Privacy:HashKey", exact: null);
    }

    internal static byte[] DecodeKey(string base64, string setting, int? exact)
    {
        byte[] key;
        try { key = Convert.FromBase64String(base64); }
        catch (FormatException) { throw new OptionsValidationException(setting, typeof(PrivacyOptions), [$"{setting} is not valid Base64."]); }
        if (exact is int n ? key.Length != n : key.Length < 32)
            throw new OptionsValidationException(setting, typeof(PrivacyOptions),
                [$"{setting} must decode to {(exact is int m ? $"exactly {m}" : "at least 32")} bytes; it decodes to {key.Length}."]);
        return key;
    }

    public byte[]? Encrypt(string? plaintext)
    {
        if (plaintext is null) return null;
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[1 + 12 + 16 + data.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, data, output.AsSpan(29), output.AsSpan(13, 16));
        return output;
    }

    public string? Decrypt(byte[]? ciphertext)
    {
        if (ciphertext is null) return null;
        if (ciphertext.Length < 29 || ciphertext[0] != Version)
            throw new CryptographicException("Protected value has an unknown layout.");
        var plain = new byte[ciphertext.Length - 29];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(ciphertext.AsSpan(1, 12), ciphertext.AsSpan(29), ciphertext.AsSpan(13, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Look-up hash of a phone or ID number, after trimming and upper-casing (ID numbers end in X).</summary>
    public byte[]? Hash(string? value) =>
        value is null ? null : HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(value.Trim().ToUpperInvariant()));
}

/// <summary>Masks shown to the public and written to logs.</summary>
public static class Mask
{
    /// <summary>张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: enough to check the person at the door.</summary>
    public static string Name(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "";
        var runes = name.Trim().EnumerateRunes().Select(r => r.ToString()).ToArray();
        return runes.Length switch
        {
            1 => runes[0],
            2 => runes[0] + "*",
            _ => runes[0] + new string('*', runes.Length - 2) + runes[^1],
        };
    }

    /// <summary>13812345678 → 138****5678; anything shorter keeps only its last two characters.</summary>
    public static string Phone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone)) return "";
        var p = phone.Trim();
        return p.Length >= 11 ? p[..3] + "****" + p[^4..] : new string('*', Math.Max(0, p.Length - 2)) + p[^Math.Min(2, p.Length)..];
    }
}
