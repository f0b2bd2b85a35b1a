using System.Buffers;
using System.Globalization;
using System.Text;
using CylinderTrace.Cylinders;

namespace CylinderTrace.CardPages;

/// <summary>
/// The public card page as one small HTML document: the card's own words (CylinderStatusRules, GasLeakAdvice: the same texts
/// as the JSON card, the Official Account and the Mini Program), inline CSS, no script, semantic elements for screen readers.
/// Written with a StringBuilder rather than a Razor component: it is the hottest page of the host (every phone camera scan),
/// and the benchmark holds it to half of a bare Kestrel endpoint (docs/BENCHMARKS.md).
/// </summary>
public sealed class CardPageHtml(CardPageOptions options)
{
    /// <summary>
    /// What must be escaped in element text and in double-quoted attribute values (the HTML standard's "escaping a string";
    /// OWASP's rule 1). Chinese stays as UTF-8 (three bytes, not an eight-byte reference) and, unlike HtmlEncoder, a string
    /// without these characters is returned as it is: the encoder cost a third of the page's time (docs/BENCHMARKS.md).
    /// </summary>
    private static readonly SearchValues<char> Special = SearchValues.Create("&<>\"'");

    /// <summary>Large type (18 px base), contrast of at least 7:1 for text, the state marked in words as well as colour.</summary>
    private const string Style =
        "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%;text-size-adjust:100%}" +
        "body{margin:0;background:#f3f4f6;color:#111;font:18px/1.6 -apple-system,BlinkMacSystemFont,\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif}" +
        "main{max-width:40rem;margin:0 auto;padding:12px}" +
        ".state{border-radius:10px;padding:16px;margin:0 0 12px;border:3px solid}" +
        ".ok{background:#e3f3e8;border-color:#0b5d2a;color:#0b3d1c}.warning{background:#fff3d1;border-color:#8a5a00;color:#4a3000}" +
        ".danger{background:#a4161a;border-color:#7f1d1d;color:#fff}" +
        ".verdict{font-size:1.1rem;font-weight:700;margin:0}h1{font-size:1.75rem;line-height:1.3;margin:4px 0}" +
        ".code{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.04em;margin:0 0 8px}" +
        ".warn{font-weight:700;margin:8px 0}.act{margin:8px 0 0}" +
        ".leak{background:#fff;border-left:6px solid #b3261e;padding:10px 12px;margin:0 0 12px;font-weight:700;color:#7f1d1d}" +
        ".acts{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 12px}" +
        ".btn{flex:1 1 12rem;display:block;text-align:center;padding:14px 12px;border-radius:8px;font-size:1.1rem;font-weight:700;text-decoration:none;border:2px solid #1d4ed8;color:#1d4ed8;background:#fff}" +
        ".btn.primary{background:#1d4ed8;color:#fff}" +
        "section.box{background:#fff;border-radius:10px;padding:4px 16px 12px;margin:0 0 12px}" +
        "h2{font-size:1.2rem;margin:12px 0 4px}dl{margin:0}dt{color:#374151;font-size:.95rem;margin-top:8px}dd{margin:0;font-weight:600;overflow-wrap:anywhere}" +
        ".note{color:#374151;font-size:.95rem;margin:8px 0 0}.alert{color:#a4161a;font-weight:700}" +
        "form{background:#fff;border-radius:10px;padding:12px 16px;margin:0 0 12px}label{display:block;font-weight:700;margin-bottom:6px}" +
        "input{width:100%;font-size:1.2rem;padding:10px;border:2px solid #4b5563;border-radius:6px;text-transform:uppercase}" +
        "button{margin-top:10px;width:100%;font-size:1.1rem;font-weight:700;padding:12px;border-radius:8px;border:0;background:#1d4ed8;color:#fff}" +
        "footer{color:#374151;font-size:.9rem;padding:4px 4px 24px}footer a{color:#1d4ed8}" +
        ":focus-visible{outline:3px solid #f59e0b;outline-offset:2px}";

    // Pages are written into one builder per thread and encoded into a pooled buffer (CardPageEndpoints): the page's
    // own allocations were most of its cost against the JSON card (docs/BENCHMARKS.md).
    [ThreadStatic] private static StringBuilder? t_builder;

    private static StringBuilder Rent()
    {
        var sb = t_builder ?? new StringBuilder(8 * 1024);
        t_builder = null;
        return sb.Clear();
    }

    /// <summary>Gives a page's builder back for the next page on this thread, once its text has been encoded.</summary>
    public static void Return(StringBuilder sb)
    {
        if (sb.Capacity <= 32 * 1024) t_builder = sb;
    }

    public string SourceLine(DateTimeOffset shanghaiNow) =>
        $"数据来源：{options.CityName}气瓶安全追溯系统，更新于{shanghaiNow.ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture)}";

    /// <summary>A registered cylinder's card.</summary>
    public StringBuilder Card(CylinderCard card, DateTimeOffset shanghaiNow, string complainHref)
    {
        var s = card.Status;
        var sb = Begin($"【{s.Label}】气瓶 {card.Code}", options.PageUrl(card.Code));
        State(sb, s.Severity, s.SafeToUse, s.Label, card.Code, s.Warning, s.Action);
        var leakOnTop = !s.SafeToUse;
        if (leakOnTop) Leak(sb, s.GasLeakAdvice);
        Actions(sb, complainHref, s.SuggestedComplaintCategory is not null, "我要投诉");

        sb.Append("<section class=\"box\" aria-labelledby=\"h-who\"><h2 id=\"h-who\">产权单位与供气站</h2><dl>");
        Item(sb, "产权单位", card.Owner.Name, Licence(card.Owner.LicenceNumber));
        if (card.SupplyStation is { } station) Item(sb, "供气站", station.Name, Licence(station.LicenceNumber));
        sb.Append("</dl></section>");

        sb.Append("<section class=\"box\" aria-labelledby=\"h-delivery\"><h2 id=\"h-delivery\">最近一次送气</h2>");
        if (card.LastDelivery is { } d)
        {
            sb.Append("<dl>");
            Item(sb, "送气时间", Time(d.Time));
            if (d.Station is { } ds) Item(sb, "配送站", ds.Name, Licence(ds.LicenceNumber));
            if (d.Worker is { } w)
            {
                Item(sb, "送气人员", w.MaskedName);
                Item(sb, "工号", w.EmployeeNumber);
                sb.Append("<dt>上岗证号</dt><dd>").Append(Encode(w.PermitNumber.Length > 0 ? w.PermitNumber : "（未登记）"));
                sb.Append(w.PermitValid ? "（有效）" : "<br><span class=\"alert\">注意：上岗证无效或已过期</span>").Append("</dd>");
            }
            sb.Append("</dl><p class=\"note\">请核对上门送气人员的姓名、工号和上岗证号与这里一致。</p>");
        }
        else sb.Append("<p class=\"note\">没有送气记录。</p>");
        sb.Append("</section>");

        sb.Append("<section class=\"box\" aria-labelledby=\"h-fill\"><h2 id=\"h-fill\">充装与检验</h2><dl>");
        if (card.LastFill is { } f)
        {
            Item(sb, "最近充装", Time(f.Time), f.Station is { } fs ? fs.Name + (fs.LicenceNumber.Length > 0 ? "（许可证 " + fs.LicenceNumber + "）" : "") : null);
            if (!f.FilledByOwner) sb.Append("<dd class=\"alert\">注意：不是产权单位充装的</dd>");
        }
        else Item(sb, "最近充装", "没有充装记录");
        var c = card.Cylinder;
        Item(sb, "上次检验", c.LastInspectionDate is { } li ? Day(li) : "没有检验记录");
        Item(sb, "下次检验", Day(c.NextInspectionDate));
        Item(sb, "报废日期", Day(c.ScrapDate));
        Item(sb, "规格", c.Spec, c.BeyondDesignLife ? "已超过设计使用年限，延期使用中" : null);
        Item(sb, "制造", c.Manufacturer, Day(c.ManufactureDate) + "出厂，出厂编号 " + c.Serial);
        sb.Append("</dl></section>");

        if (!leakOnTop) Leak(sb, s.GasLeakAdvice);
        CheckForm(sb, null);
        return End(sb, shanghaiNow);
    }

    /// <summary>A code no cylinder has: the black-gas page (once an inspector detained the code: 黑气瓶（已被查扣）).</summary>
    public StringBuilder Unregistered(string code, DateTimeOffset shanghaiNow, string complainHref, BlackGasMark? detained = null)
    {
        var u = detained is null ? CylinderStatusRules.Unregistered : CylinderStatusRules.BlackGasDetained;
        var sb = Begin($"【{u.Label}】{code}", options.PageUrl(code));
        State(sb, u.Severity, u.SafeToUse, u.Label, code, u.Warning, u.Action);
        Leak(sb, GasLeakAdvice.Line);
        Actions(sb, complainHref, true, "我要举报");
        sb.Append("<section class=\"box\" aria-labelledby=\"h-why\"><h2 id=\"h-why\">为什么不能用</h2><p class=\"note\">本市每个合法气瓶都登记了产权单位、充装和送气记录，扫码即可查到。查不到的气瓶来历不明，可能没有经过检验、充装不合规，出了事故无人负责。请核对编号是否与瓶身一致，一致仍查不到就不要使用；也可以拨打<a href=\"tel:")
            .Append(Encode(options.Hotline)).Append("\">").Append(Encode(options.Hotline)).Append("</a>热线举报。</p></section>");
        CheckForm(sb, null);
        return End(sb, shanghaiNow);
    }

    /// <summary>Input that is not a code: say what a code looks like and offer the form.</summary>
    public StringBuilder Invalid(string? raw, DateTimeOffset shanghaiNow)
    {
        var sb = Begin("无法识别气瓶码", null);
        sb.Append("<section class=\"state warning\" aria-labelledby=\"state\"><p class=\"verdict\">请重新输入</p><h1 id=\"state\">无法识别这个气瓶码</h1><p class=\"act\">")
            .Append(Encode(CylinderCode.Rule)).Append("请对准瓶身上的追溯二维码重新扫描，或在下面输入二维码下方的编号。</p></section>");
        CheckForm(sb, raw);
        return End(sb, shanghaiNow);
    }

    /// <summary>Where the complaint goes when the Mini Program cannot be opened (not in service, or WeChat did not answer).</summary>
    public StringBuilder ComplainElsewhere(string code, DateTimeOffset shanghaiNow)
    {
        var sb = Begin("投诉举报 " + code, null);
        sb.Append("<section class=\"state warning\" aria-labelledby=\"state\"><p class=\"verdict\">投诉举报</p><h1 id=\"state\">请通过公众号或热线投诉</h1><p class=\"code\">气瓶编号 ")
            .Append(Encode(code)).Append("</p><p class=\"act\">请在微信中关注公众号“").Append(Encode(options.OfficialAccountName))
            .Append("”，发送上面的气瓶编号查看气瓶信息并按提示投诉；也可以直接拨打")
            .Append(Encode(options.Hotline)).Append("热线，说明气瓶编号和您看到的问题。</p></section><nav class=\"acts\" aria-label=\"投诉方式\">");
        if (options.OfficialAccountUrl.Length > 0)
            sb.Append("<a class=\"btn primary\" href=\"").Append(Encode(options.OfficialAccountUrl)).Append("\">打开公众号</a>");
        sb.Append("<a class=\"btn\" href=\"tel:").Append(Encode(options.Hotline)).Append("\">拨打").Append(Encode(options.Hotline)).Append("</a>")
            .Append("<a class=\"btn\" href=\"").Append(Encode(options.PathPrefix + "/" + Uri.EscapeDataString(code))).Append("\">返回气瓶信息</a></nav>");
        Leak(sb, GasLeakAdvice.Line);
        return End(sb, shanghaiNow);
    }

    private StringBuilder Begin(string title, string? canonical)
    {
        var sb = Rent();
        sb.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append(" · ").Append(Encode(options.CityName)).Append("气瓶安全追溯</title>");
        if (canonical is not null && options.PublicBaseUrl.Length > 0) sb.Append("<link rel=\"canonical\" href=\"").Append(Encode(canonical)).Append("\">");
        return sb.Append("<style>").Append(Style).Append("</style></head><body><main>");
    }

    private StringBuilder End(StringBuilder sb, DateTimeOffset shanghaiNow)
    {
        sb.Append("<footer><p>").Append(Encode(SourceLine(shanghaiNow))).Append("</p><p>投诉举报热线 <a href=\"tel:").Append(Encode(options.Hotline)).Append("\">")
            .Append(Encode(options.Hotline)).Append("</a>；漏气、着火请拨打 <a href=\"tel:119\">119</a></p></footer></main></body></html>");
        return sb;
    }

    private static void State(StringBuilder sb, string severity, bool safe, string label, string code, string warning, string action)
    {
        var css = severity is "ok" or "warning" or "danger" ? severity : "danger";
        sb.Append("<section class=\"state ").Append(css).Append("\" aria-labelledby=\"state\"><p class=\"verdict\">")
            .Append(safe ? (severity == "ok" ? "<span aria-hidden=\"true\">✓ </span>可以使用" : "<span aria-hidden=\"true\">! </span>可以使用，请注意") : "<span aria-hidden=\"true\">✕ </span>不要使用")
            .Append("</p><h1 id=\"state\">").Append(Encode(label)).Append("</h1><p class=\"code\">气瓶编号 ").Append(Encode(code)).Append("</p>")
            .Append("<p class=\"warn\">").Append(Encode(warning)).Append("</p><p class=\"act\">").Append(Encode(action)).Append("</p></section>");
    }

    private static void Leak(StringBuilder sb, string advice) =>
        sb.Append("<p class=\"leak\" role=\"note\">").Append(Encode(advice)).Append("</p>");

    private static void Actions(StringBuilder sb, string complainHref, bool complaintAdvised, string complainLabel) =>
        sb.Append("<nav class=\"acts\" aria-label=\"操作\"><a class=\"btn").Append(complaintAdvised ? " primary" : "").Append("\" href=\"")
            .Append(Encode(complainHref)).Append("\" rel=\"nofollow\">").Append(complainLabel).Append("</a><a class=\"btn\" href=\"#check\">查询其他气瓶</a></nav>");

    private void CheckForm(StringBuilder sb, string? typed)
    {
        sb.Append("<form id=\"check\" role=\"search\" method=\"get\" action=\"").Append(Encode(options.PathPrefix))
            .Append("\"><label for=\"code\">查询其他气瓶：输入瓶身二维码下方的编号</label><input id=\"code\" name=\"code\" required maxlength=\"64\" autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" placeholder=\"例如 FZ0000123456\"");
        if (!string.IsNullOrEmpty(typed)) sb.Append(" value=\"").Append(Encode(typed.Length > 64 ? typed[..64] : typed)).Append('"');
        sb.Append("><button type=\"submit\">查询</button></form>");
    }

    private static void Item(StringBuilder sb, string term, string value, string? second = null)
    {
        sb.Append("<dt>").Append(term).Append("</dt><dd>").Append(Encode(value));
        if (!string.IsNullOrEmpty(second)) sb.Append("<br><small>").Append(Encode(second)).Append("</small>");
        sb.Append("</dd>");
    }

    private static string Licence(string number) => number.Length > 0 ? "许可证 " + number : "";
    private static string Day(DateOnly d) => d.ToString("yyyy年M月d日", CultureInfo.InvariantCulture);
    private static string Time(DateTimeOffset t) => t.ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);
    internal static string Encode(string s)
    {
        var i = s.AsSpan().IndexOfAny(Special);
        if (i < 0) return s;
        var sb = new StringBuilder(s.Length + 16).Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            var ch = s[i];
            _ = ch switch
            {
                '&' => sb.Append("&amp;"),
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                '"' => sb.Append("&quot;"),
                '\'' => sb.Append("&#39;"),
                _ => sb.Append(ch),
            };
        }
        return sb.ToString();
    }
}
