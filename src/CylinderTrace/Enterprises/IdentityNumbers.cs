using System.Globalization;

namespace CylinderTrace.Enterprises;

/// <summary>
/// 公民身份号码 as GB 11643-1999 defines it: 6-digit address code, 8-digit date of birth (YYYYMMDD), 3-digit sequence
/// code and a check character computed by ISO 7064:1983 MOD 11-2 over the first 17 digits (weights 2^(18-i) mod 11,
/// i.e. 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = (12 - sum mod 11) mod 11, where 10 is written X).
/// Only the 18-character form counts: the 15-digit numbers issued before 1999 have no check character.
/// </summary>
public static class ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>The check character of the first 17 digits ('0'-'9' or 'X').</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return "10X98765432"[sum % 11];
    }

    /// <summary>
    /// True when the number has 18 characters, 17 digits then a digit or X (a lower-case x is read as X), a real date of
    /// birth (the standard's own example is born in 1880), and the right check character.
    /// </summary>
    public static bool IsValid(string? number)
    {
        if (number is null) return false;
        var n = number.Trim();
        if (n.Length != 18) return false;
        for (var i = 0; i < 17; i++) if (n[i] is < '0' or > '9') return false;
        var last = char.ToUpperInvariant(n[17]);
        if (last is not ('X' or (>= '0' and <= '9'))) return false;
        if (n[0] == '0') return false; // no address code starts with 0 (GB/T 2260)
        if (!DateOnly.TryParseExact(n.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth) || birth.Year < 1800) return false;
        return CheckCharacter(n.AsSpan(0, 17)) == last;
    }
}

/// <summary>
/// 统一社会信用代码 as GB 32100-2015 defines it: 18 characters from the code's character set (digits and the capital
/// letters without I, O, Z, S and V: 0-9 A-H J-N P-R T U W-Y, valued 0 to 30 in that order): registration authority (1),
/// organisation category (1), administrative division (6 digits), the organisation code (9, GB 11714) and a check
/// character: C18 = 31 - (Σ Ci·Wi mod 31) with Wi = 3^(i-1) mod 31 (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28), and
/// 31 written as 0.
/// </summary>
public static class UnifiedSocialCreditCode
{
    public const string Characters = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    /// <summary>The check character of the first 17 characters, or null when one of them is not in the code's set.</summary>
    public static char? CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = Characters.IndexOf(first17[i]);
            if (value < 0) return null;
            sum += value * Weights[i];
        }
        return Characters[(31 - sum % 31) % 31];
    }

    /// <summary>True when the code has 18 characters of the set (capitals; no I, O, Z, S, V), a 6-digit division code and the right check character.</summary>
    public static bool IsValid(string? code)
    {
        if (code is null) return false;
        var c = code.Trim();
        if (c.Length != 18) return false;
        for (var i = 2; i < 8; i++) if (c[i] is < '0' or > '9') return false;
        return Characters.Contains(c[17]) && CheckCharacter(c.AsSpan(0, 17)) == c[17];
    }
}
