using System.Diagnostics.CodeAnalysis;

namespace CylinderTrace.Cylinders;

/// <summary>
/// Normalises what a scanner reads off a cylinder to its registration code (DESIGN.md §3): a bare
/// code; a URL whose `code` query parameter or last path segment is the code; a Mini Program scene
/// (URL-encoded) holding the bare code or `c=CODE` / `code=CODE`. Codes are 6-32 characters of
/// A-Z, 0-9 and '-', compared upper-case (a Mini Program scene holds at most 32 visible characters); full-width
/// forms of those characters count as them.
/// </summary>
public static class CylinderCode
{
    public const int MinLength = 6;
    public const int MaxLength = 32;
    public const string Rule = "有效的气瓶码是6到32位的字母、数字或短横线（例如 FZ0000123456），也可以是瓶身二维码里以该码结尾或带 code= 参数的网址。";

    public static bool TryNormalise(string? raw, [NotNullWhen(true)] out string? code)
    {
        code = null;
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 2048) return false;
        var text = raw.Trim();

        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return TryFromUrl(text, out code);
        if (text.Contains("://", StringComparison.Ordinal)) return false;

        // A scene arrives URL-encoded (options.scene); a bare code never contains '%'.
        if (text.Contains('%'))
        {
            try { text = Uri.UnescapeDataString(text); } catch (UriFormatException) { return false; }
        }
        if (text.Contains('='))
            return TryFromPairs(text, out code);
        return TryBare(text, out code);
    }

    private static bool TryFromUrl(string text, out string? code)
    {
        code = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return false;
        var query = uri.Query.TrimStart('?');
        if (query.Length > 0 && TryFromPairs(query, out code, unescape: true)) return true;
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length > 0 && TryBare(Uri.UnescapeDataString(segments[^1]), out code);
    }

    private static bool TryFromPairs(string text, out string? code, bool unescape = false)
    {
        code = null;
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) continue;
            var key = pair[..eq];
            if (!key.Equals("code", StringComparison.OrdinalIgnoreCase) && !key.Equals("c", StringComparison.OrdinalIgnoreCase)) continue;
            var value = pair[(eq + 1)..];
            if (unescape)
            {
                try { value = Uri.UnescapeDataString(value.Replace('+', ' ')); } catch (UriFormatException) { return false; }
            }
            return TryBare(value, out code);
        }
        return false;
    }

    private static bool TryBare(string text, out string? code)
    {
        code = null;
        var t = text.Trim();
        // A code typed with a Chinese input method in full-width mode (ＦＺ０００…, －) is the same code (Unicode NFKC).
        if (!System.Text.Ascii.IsValid(t)) t = t.Normalize(System.Text.NormalizationForm.FormKC).Trim();
        if (t.Length is < MinLength or > MaxLength) return false;
        foreach (var ch in t)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch == '-')) return false;
        code = t.ToUpperInvariant();
        return true;
    }
}
