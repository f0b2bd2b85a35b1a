using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.Benchmarks;

/// <summary>An enterprise's integration key, as `integration-key create --tsv` prints it (licence, key id, secret).</summary>
public sealed record IntegrationKey(string Licence, string KeyId, byte[] Secret);

/// <summary>What every load generator here needs: its options, the keys file, and signed integration requests.</summary>
public static class Bench
{
    /// <summary>The value after "--name", or the fallback.</summary>
    public static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static List<IntegrationKey> Keys(string file) =>
        File.ReadAllLines(file).Where(l => l.Contains('\t')).Select(l => l.Split('\t')).Select(p => new IntegrationKey(p[0], p[1], Convert.FromBase64String(p[2]))).ToList();

    /// <summary>
    /// A request signed as docs/INTEGRATION.md says (an independent implementation of the client side:
    /// the host's own code is not used); without a body (a GET) the empty body is what is hashed.
    /// </summary>
    public static HttpRequestMessage Signed(IntegrationKey key, HttpMethod method, string url, string path, byte[]? body = null)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var canonical = $"{method.Method}\n{path}\n{ts}\n{nonce}\n{Convert.ToHexStringLower(SHA256.HashData(body ?? []))}";
        var request = new HttpRequestMessage(method, url + path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new("application/json");
        }
        request.Headers.Add("X-CT-Key-Id", key.KeyId);
        request.Headers.Add("X-CT-Timestamp", ts);
        request.Headers.Add("X-CT-Nonce", nonce);
        request.Headers.Add("X-CT-Signature", Convert.ToBase64String(HMACSHA256.HashData(key.Secret, Encoding.UTF8.GetBytes(canonical))));
        return request;
    }
}
