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
        Span<byte> hash = stackalloc byte[20];
        Hash(parts, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void Hash(string[] parts, Span<byte> hash)
    {
        var sorted = (string[])parts.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        Span<byte> chunk = stackalloc byte[256];
        foreach (var part in sorted)
        {
            // UTF-8 of each part in turn, in small pieces: no concatenated copy of a long Encrypt field.
            var rest = part.AsSpan();
            while (rest.Length > 0)
            {
                var take = Math.Min(rest.Length, 64);
                if (take < rest.Length && char.IsHighSurrogate(rest[take - 1])) take--;
                var n = Encoding.UTF8.GetBytes(rest[..take], chunk);
                sha1.AppendData(chunk[..n]);
                rest = rest[take..];
            }
        }
        sha1.GetHashAndReset(hash);
    }

    /// <summary>True when <paramref name="signature"/> (case-insensitive hex) signs the parts.</summary>
    public static bool Verify(string? signature, params string[] parts)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length != 40) return false;
        Span<byte> given = stackalloc byte[20];
        if (Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 20) return false;
        Span<byte> expected = stackalloc byte[20];
        Hash(parts, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
