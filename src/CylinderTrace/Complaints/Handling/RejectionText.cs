using System.Text;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// The public text of a rejection (the complainant's timeline, the subscribe message, Open311's description): the
/// handler's reason, then where to turn instead, as whole Chinese sentences. Handlers type both freely: a reason may
/// already end in 。 (or ASCII punctuation), and the suggestion may be a unit ("福州华润燃气客服热线"), a phrase starting
/// with a verb ("向物业反映", "拨打12345") or a sentence of its own ("请在收气时核对……"). Joining them blindly gave
/// 「…职责。。建议向请在收气时…反映。」; here each part is tidied (a run of punctuation marks becomes one, the strongest;
/// ASCII marks after Chinese text become full-width), ends in exactly one full stop, and only a bare unit is wrapped in
/// 「建议向…反映」.
/// </summary>
public static class RejectionText
{
    /// <summary>The text a complainant reads; the suggestion is optional.</summary>
    public static string Compose(string reason, string? suggestion)
    {
        var first = Sentence(reason);
        var advice = Suggestion(suggestion);
        return advice.Length == 0 ? first : first + advice;
    }

    /// <summary>Where to turn, as its own sentence; empty when there is no suggestion (or nothing but punctuation).</summary>
    private static string Suggestion(string? suggestion)
    {
        var body = Body(suggestion, out var final);
        if (body.Length == 0) return "";
        // A unit's name may start with 向, 如 or 可 (向阳街道办事处, 如意燃气): only text that also has a verb or a mark in it is
        // taken for a phrase or a sentence.
        var phrase = Verbs.Any(v => body.Contains(v, StringComparison.Ordinal)) || body.Any(c => c >= '\u3000' && IsMark(c));
        // A sentence of its own: a request (请…, 您…), the suggestion written out (建议…), an option (如…, 可…) or several clauses.
        if (StartsWithAny(body, "请", "您", "建议") || phrase && StartsWithAny(body, "如", "可", "若", "另")) return body + final;
        // A verb phrase (向物业反映, 拨打12345): it only needs 建议 in front.
        if (phrase && StartsWithAny(body, "向", "到", "找", "拨打", "致电", "联系", "咨询", "前往", "由")) return "建议" + body + final;
        if (body.Any(c => c >= '\u3000' && IsMark(c))) return body + final;
        // A unit or channel: 建议向<unit>反映 (unless it names the act already).
        return "建议向" + body + (EndsWithAny(body, "反映", "投诉", "举报", "咨询", "求助") ? "" : "反映") + final;
    }

    private static readonly string[] Verbs = ["反映", "投诉", "举报", "咨询", "求助", "联系", "拨打", "致电", "处理", "办理", "前往", "核对", "查验", "报警", "申请"];

    /// <summary>The text tidied and ending with exactly one sentence-final mark (。, or the ！/？ it ended with).</summary>
    private static string Sentence(string text)
    {
        var body = Body(text, out var final);
        return body.Length == 0 ? "" : body + final;
    }

    /// <summary>The text tidied, without its trailing punctuation; <paramref name="final"/> is the mark it should end with.</summary>
    private static string Body(string? text, out char final)
    {
        var tidy = Tidy(text ?? "");
        final = '。';
        var end = tidy.Length;
        while (end > 0 && (IsMark(tidy[end - 1]) || char.IsWhiteSpace(tidy[end - 1])))
        {
            if (tidy[end - 1] is '！' or '？') final = tidy[end - 1];
            end--;
        }
        return tidy[..end];
    }

    /// <summary>
    /// Trims, turns ASCII marks that follow Chinese text into full-width ones, and collapses every run of marks (with
    /// any spaces between them) into its strongest one: 。！？ before ；before ：before ，、. An ASCII mark counts only after
    /// Chinese text or a full-width mark, so 3.5, 9:30, www.example.cn and an ASCII ellipsis after a digit stay as they are.
    /// </summary>
    public static string Tidy(string text)
    {
        var s = text.Trim();
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length;)
        {
            if (!IsMarkAt(s, i))
            {
                sb.Append(s[i++]);
                continue;
            }
            var best = FullWidth(s[i]);
            var j = i + 1;
            while (j < s.Length)
            {
                var k = j;
                while (k < s.Length && s[k] is ' ' or '\u3000') k++;
                if (k == s.Length || !IsMarkAt(s, k)) break;
                if (Strength(FullWidth(s[k])) >= Strength(best)) best = FullWidth(s[k]);
                j = k + 1;
            }
            sb.Append(best);
            i = j;
        }
        return sb.ToString();
    }

    private static bool IsMark(char c) => c is '。' or '，' or '、' or '；' or '：' or '！' or '？' or '．' or '.' or ',' or ';' or ':' or '!' or '?';

    /// <summary>A full-width mark, or an ASCII one written after Chinese text or a full-width mark (一个句号写成了 . 的地方).</summary>
    private static bool IsMarkAt(string s, int i) => IsMark(s[i]) && (s[i] >= '\u3000' || i > 0 && s[i - 1] >= '\u3000');

    private static char FullWidth(char c) => c switch
    {
        '.' or '．' => '。',
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '!' => '！',
        '?' => '？',
        _ => c,
    };

    private static int Strength(char c) => c switch
    {
        '。' or '！' or '？' => 3,
        '；' => 2,
        '：' => 1,
        _ => 0,
    };

    private static bool StartsWithAny(string s, params string[] prefixes) => prefixes.Any(p => s.StartsWith(p, StringComparison.Ordinal));

    private static bool EndsWithAny(string s, params string[] suffixes) => suffixes.Any(p => s.EndsWith(p, StringComparison.Ordinal));
}
