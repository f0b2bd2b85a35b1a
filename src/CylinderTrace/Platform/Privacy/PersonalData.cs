using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
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
public static partial class Mask
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

    /// <summary>
    /// The one rule for free text that leaves the system for the public (Open311): resident identity
    /// numbers, mobile and landline numbers, other long digit runs and house numbers are masked.
    /// Names cannot be found in free text, so what is published should be neutral wording to begin with;
    /// this catches what slips in.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? PublicText(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        // Chinese input methods often type full-width digits (１３９…): read them as the digits they are.
        if (text.Any(c => c is >= '０' and <= '９'))
            text = string.Create(text.Length, text, (span, t) => { for (var i = 0; i < t.Length; i++) span[i] = t[i] is >= '０' and <= '９' ? (char)(t[i] - '０' + '0') : t[i]; });
        text = ResidentIdNumber().Replace(text, m => m.Value[..3] + new string('*', m.Value.Length - 4) + m.Value[^1..]);
        text = MobileNumber().Replace(text, m => m.Groups["head"].Value + "****" + m.Groups["tail"].Value);
        text = LandlineNumber().Replace(text, m => m.Groups["area"].Value + "-****" + m.Groups["line"].Value[^4..]);
        text = HouseNumber().Replace(text, m => HouseUnit().IsMatch(m.Value) ? HouseNumeral().Replace(m.Value, "*") : m.Value);
        return LongDigitRun().Replace(text, m => new string('*', m.Value.Length - 2) + m.Value[^2..]);
    }

    // GB 11643-1999: 6-digit address code, birth date yyyyMMdd, 3-digit sequence, check digit 0-9 or X.
    [GeneratedRegex(@"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXxＸｘ](?!\d)")]
    private static partial Regex ResidentIdNumber();

    // Mainland mobiles: 1[3-9] and 9 more digits, perhaps after +86, perhaps written 3-4-4 with spaces or dashes.
    [GeneratedRegex(@"(?<!\d)(?:(?:\+|00)?86[ \u3000\-－]?)?(?<head>1[3-9]\d)[ \u3000\-－]?\d{4}[ \u3000\-－]?(?<tail>\d{4})(?!\d)")]
    private static partial Regex MobileNumber();

    // Landlines with an area code (010, 0591, …): 0591-87654321, (0591)87654321, 0591 8765 4321, extension included;
    // not inside a code (FZ0591876543).
    [GeneratedRegex(@"(?<![\dA-Za-z])[(（]?(?<area>0\d{2,3})[)）]?[ \u3000\-－]?(?<line>\d{3,4}[ \u3000\-－]?\d{4})(?:(?:[-－]|转|分机)\d{1,6})?(?!\d)")]
    private static partial Regex LandlineNumber();

    // 12号, 3栋2单元501室, 3号楼1201, 12号3-2-501: a chain of numbered address parts and the room after it. Not after 月
    // (11月12号 is a date), not before 线 (地铁1号线). A chain of floors only (8楼) is left alone.
    [GeneratedRegex(@"(?<![\d月])(?:(?:\d+(?:[-－]\d+)*[ ]?(?:号楼|号院|号|栋|幢|座|单元|室|房|层|楼)|[一二三四五六七八九十〇零]+(?:号楼|栋|幢|单元))(?:之\d+)?)+(?:\d+(?:[-－]\d+)*)?(?![\d线])")]
    private static partial Regex HouseNumber();

    [GeneratedRegex("号|栋|幢|座|单元|室|房")]
    private static partial Regex HouseUnit();

    [GeneratedRegex(@"\d|[一二三四五六七八九十〇零](?=[一二三四五六七八九十〇零]*(?:号楼|栋|幢|单元))")]
    private static partial Regex HouseNumeral();

    // Anything else of 7 or more digits (a local number without area code, an old 15-digit ID, a card
    // number); runs joined to letters are codes (cylinder FZ0000123456, complaint TS20261201-000001).
    [GeneratedRegex(@"(?<![\dA-Za-z])\d{7,}(?![\dA-Za-z])")]
    private static partial Regex LongDigitRun();
}
