using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.WeChat.OfficialAccount;

/// <summary>
/// Official Account push signatures (WECHAT.md §1): lowercase hex SHA-1 of the ordinally sorted,
/// concatenated parts — token, timestamp, nonce for `signature`; plus the Encrypt field for
/// `msg_signature` in safe mode. Verification compares in constant time.
/// </summary>
public static class Signature
{
    public static string Compute(params string[] parts)
    {
        var sorted = (string[])parts.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(sorted)));
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>True when <paramref name="signature"/> (case-insensitive hex) signs the parts.</summary>
    public static bool Verify(string? signature, params string[] parts)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length != 40) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(parts));
        var given = Encoding.ASCII.GetBytes(signature.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
