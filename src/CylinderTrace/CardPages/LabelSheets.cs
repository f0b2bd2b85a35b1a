using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using Microsoft.Extensions.Options;
using QRCoder;

namespace CylinderTrace.CardPages;

/// <summary>One printed label: the QR of the card page's URL, the code under it, the owner's short name and a hotline.</summary>
public sealed record CylinderLabel(string Code, string Url, string Owner, string Hotline);

/// <summary>Which codes to label: a list, or a range of codes of one pattern (FZ0000000001 to FZ0000000500).</summary>
public sealed record LabelSelection(IReadOnlyList<string>? Codes, string? From, string? To, string? Hotline);

/// <summary>
/// Label sheets for 一瓶一码: registered cylinders only (a label names the owner), each label drawn as SVG in millimetres so it
/// prints sharp at any printer resolution. The QR (ISO/IEC 18004, error correction level M, the standard 4-module quiet zone)
/// holds the card page's URL, so any phone camera opens the page; QRCoder makes the matrix, drawn here as one SVG path.
/// </summary>
public sealed class LabelSheets(CylinderStore store, EnterpriseDirectory directory, IOptions<CardPageOptions> options)
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly CardPageOptions _o = options.Value;

    /// <summary>Labels, or why not (status, stable problem code, Chinese message; the codes at fault where there are some).</summary>
    public sealed record Outcome(IReadOnlyList<CylinderLabel> Labels, int Status = 200, string Problem = "", string Message = "", IReadOnlyList<string>? Codes = null)
    {
        public bool Ok => Status == 200;
    }

    /// <summary>A range is read in pages of this many rows, at most this many pages (50,000 registered cylinders).</summary>
    private const int RangePage = 1000, RangePages = 50;

    private static Outcome Refuse(int status, string code, string message, IReadOnlyList<string>? codes = null) => new([], status, code, message, codes);

    /// <summary>
    /// The labels of a selection; <paramref name="mayPrint"/> says whether the caller may label a cylinder (its owner and supply station,
    /// or an owner in an administrator's jurisdiction). A list's cylinders that the caller may not label are named in a 403; a range
    /// keeps only the caller's own.
    /// </summary>
    public async Task<Outcome> ResolveAsync(LabelSelection selection, Func<CylinderStore.LabelCylinder, ValueTask<bool>> mayPrint, CancellationToken ct)
    {
        var hotline = string.IsNullOrWhiteSpace(selection.Hotline) ? _o.Hotline : selection.Hotline.Trim();
        if (!System.Text.RegularExpressions.Regex.IsMatch(hotline, @"^[0-9][0-9\-]{2,19}$"))
            return Refuse(400, "invalid-label-request", "热线号码只能是3到20位数字和短横线，例如 12345 或 0591-87654321。");

        var hasList = selection.Codes is { Count: > 0 };
        var hasRange = !string.IsNullOrWhiteSpace(selection.From) || !string.IsNullOrWhiteSpace(selection.To);
        if (hasList == hasRange)
            return Refuse(400, "invalid-label-request", "请给出气瓶编号清单（codes），或起止编号（from 和 to），二者选一。");

        IReadOnlyList<CylinderStore.LabelCylinder> cylinders;
        if (hasList)
        {
            var bad = selection.Codes!.Where(c => !CylinderCode.TryNormalise(c, out _)).Take(20).ToList();
            if (bad.Count > 0) return Refuse(400, "invalid-cylinder-code", "这些不是有效的气瓶编号：" + string.Join("、", bad) + "。" + CylinderCode.Rule, bad);
            var codes = selection.Codes!.Select(c => { CylinderCode.TryNormalise(c, out var n); return n!; }).Distinct(StringComparer.Ordinal).ToList();
            if (codes.Count > _o.MaxLabels) return Refuse(400, "too-many-labels", $"一次最多打印{_o.MaxLabels}张标签，请分批。");
            var found = (await store.LabelCylindersAsync(codes, ct)).ToDictionary(c => c.Code, StringComparer.Ordinal);
            var missing = codes.Where(c => !found.ContainsKey(c)).ToList();
            if (missing.Count > 0)
                return Refuse(404, "cylinder-not-registered", "这些气瓶编号还没有登记，登记后才能打印标签：" + string.Join("、", missing.Take(20)) + (missing.Count > 20 ? $"等{missing.Count}个" : "") + "。", missing);
            cylinders = codes.Select(c => found[c]).ToList();
        }
        else
        {
            if (!CylinderCode.TryNormalise(selection.From, out var from) || !CylinderCode.TryNormalise(selection.To, out var to))
                return Refuse(400, "invalid-cylinder-code", "起止编号都要填写有效的气瓶编号。" + CylinderCode.Rule);
            if (from.Length != to.Length || Head(from) != Head(to) || string.CompareOrdinal(from, to) > 0)
                return Refuse(400, "invalid-label-request", "起止编号应长度相同、字母前缀相同，且起始编号不大于终止编号（例如 FZ0000000001 到 FZ0000000500）。");
            // A range is "my cylinders between these codes": codes of several enterprises interleave, so the others' are left
            // out rather than refusing the range (a list names its cylinders, and refuses any that are not the caller's).
            var mine = new List<CylinderStore.LabelCylinder>();
            var cursor = from;
            for (var page = 0; ; page++)
            {
                if (page == RangePages)
                    return Refuse(400, "too-many-labels", $"这个范围太大（登记的气瓶超过{RangePages * RangePage}个），请缩小范围。");
                var rows = await store.LabelCylindersInRangeAsync(cursor, to, RangePage + 1, ct);
                var fresh = page == 0 ? rows : rows.Where(r => string.CompareOrdinal(r.Code, cursor) > 0).ToList();
                foreach (var c in fresh)
                    if (await mayPrint(c)) mine.Add(c);
                if (mine.Count > _o.MaxLabels) return Refuse(400, "too-many-labels", $"这个范围内您可以打印的气瓶超过{_o.MaxLabels}个，一次最多打印{_o.MaxLabels}张，请缩小范围。");
                if (rows.Count <= RangePage) break;
                cursor = rows[^1].Code;
            }
            if (mine.Count == 0) return Refuse(404, "cylinder-not-registered", $"{from}到{to}之间没有您的单位（或辖区）可以打印标签的登记气瓶。");
            cylinders = mine;
        }

        var refused = new List<string>();
        foreach (var c in cylinders)
            if (!await mayPrint(c)) refused.Add(c.Code);
        if (refused.Count > 0)
            return Refuse(403, "labels-not-yours", "这些气瓶不属于您的单位（或辖区），不能打印它们的标签：" + string.Join("、", refused.Take(20)) + (refused.Count > 20 ? $"等{refused.Count}个" : "") + "。", refused);

        if (_o.PublicBaseUrl.Length == 0)
            return Refuse(503, "labels-unavailable", "尚未配置卡片页地址（CardPage:PublicBaseUrl），标签上的二维码无处可指，请联系系统管理员。");
        var labels = new List<CylinderLabel>(cylinders.Count);
        foreach (var c in cylinders)
        {
            var owner = await directory.GetEnterpriseAsync(c.OwnerId, ct);
            labels.Add(new CylinderLabel(c.Code, _o.PageUrl(c.Code), ShortName(owner?.Name ?? "", _o.CityName), hotline));
        }
        return new Outcome(labels);
    }

    /// <summary>The letters before a code's digits: a range stays within one pattern.</summary>
    private static string Head(string code) => new(code.TakeWhile(ch => !char.IsAsciiDigit(ch)).ToArray());

    /// <summary>
    /// The owner's name as a label has room for: without the city in front and the legal form behind
    /// (福州华福燃气有限公司 → 华福燃气); the whole name where that leaves less than two characters.
    /// </summary>
    public static string ShortName(string name, string city)
    {
        var s = name.Trim();
        var cityStem = city.EndsWith('市') ? city[..^1] : city;
        foreach (var head in new[] { city, cityStem })
            if (head.Length > 0 && s.StartsWith(head, StringComparison.Ordinal)) { s = s[head.Length..]; break; }
        foreach (var tail in new[] { "股份有限公司", "有限责任公司", "有限公司", "公司" })
            if (s.EndsWith(tail, StringComparison.Ordinal)) { s = s[..^tail.Length]; break; }
        s = s.Trim('（', '）', '(', ')', ' ');
        if (s.Length < 2) s = name.Trim();
        return s.Length > 12 ? s[..12] : s;
    }

    /// <summary>The QR modules of a text, with the quiet zone (true = dark).</summary>
    public static bool[,] Modules(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var rows = data.ModuleMatrix;
        var m = new bool[rows.Count, rows.Count];
        for (var y = 0; y < rows.Count; y++)
            for (var x = 0; x < rows.Count; x++) m[y, x] = rows[y][x];
        return m;
    }

    /// <summary>The dark modules as one path in module units: each run of dark modules in a row is one rectangle.</summary>
    private static string QrPath(bool[,] m)
    {
        var n = m.GetLength(0);
        var sb = new StringBuilder(4096);
        for (var y = 0; y < n; y++)
            for (var x = 0; x < n; x++)
            {
                if (!m[y, x]) continue;
                var run = 1;
                while (x + run < n && m[y, x + run]) run++;
                sb.Append('M').Append(x).Append(' ').Append(y).Append('h').Append(run).Append("v1h-").Append(run).Append('z');
                x += run - 1;
            }
        return sb.ToString();
    }

    /// <summary>
    /// Where a label's parts sit, in millimetres from the top left (one layout for SVG and PNG): the QR square with its quiet
    /// zone on the left, the code under it, the owner, "扫码查验气瓶", the hotline and the 119 line on the right.
    /// </summary>
    internal readonly record struct LabelLayout(double Width, double Height)
    {
        public double Qr => Height - 6.5; // the QR with its quiet zone, leaving room for the code underneath
        public double QrLeft => 0.5;
        public double CodeCentre => Qr / 2 + 0.5;
        public double CodeBaseline => Height - 2;
        public double TextX => Qr + 1.5;
        public double TextWidth => Width - TextX - 1.5;
        public double OwnerSize(int length) => Math.Min(3.6, TextWidth / Math.Max(1, length));
        public double CodeSize(int length) => Math.Min(3, Qr / (0.62 * length));

        /// <summary>The lines right of the QR: baseline, font size, bold, text.</summary>
        public IEnumerable<(double Y, double Size, bool Bold, string Text)> Lines(CylinderLabel label) =>
        [
            (6, OwnerSize(label.Owner.Length), true, label.Owner),
            (11.5, 2.8, false, "扫码查验气瓶"),
            (15.5, 2.8, false, "投诉举报热线"),
            (20, 3.6, true, label.Hotline),
            (25, 2.6, false, "漏气请拨119"),
        ];
    }

    private LabelLayout Layout => new(_o.LabelWidthMm, _o.LabelHeightMm);

    /// <summary>One label as an SVG element sized in millimetres (standalone: with the XML namespace).</summary>
    public string LabelSvg(CylinderLabel label)
    {
        var l = Layout;
        var m = Modules(label.Url);
        var n = m.GetLength(0);
        var sb = new StringBuilder(6144);
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(F(l.Width)).Append("mm\" height=\"").Append(F(l.Height)).Append("mm\" viewBox=\"0 0 ")
            .Append(F(l.Width)).Append(' ').Append(F(l.Height)).Append("\" role=\"img\" aria-label=\"气瓶标签 ").Append(Encode(label.Code)).Append("\">")
            .Append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>")
            .Append("<g transform=\"translate(").Append(F(l.QrLeft)).Append(' ').Append(F(l.QrLeft)).Append(") scale(").Append(F(l.Qr / n)).Append(")\"><path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"").Append(QrPath(m)).Append("\"/></g>")
            .Append("<g font-family=\"'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif\" fill=\"#000\">")
            .Append("<text x=\"").Append(F(l.CodeCentre)).Append("\" y=\"").Append(F(l.CodeBaseline)).Append("\" font-size=\"").Append(F(l.CodeSize(label.Code.Length))).Append("\" font-weight=\"700\" text-anchor=\"middle\" font-family=\"'DejaVu Sans Mono',Menlo,Consolas,monospace\">")
            .Append(Encode(label.Code)).Append("</text>");
        foreach (var (y, size, bold, text) in l.Lines(label))
            sb.Append("<text x=\"").Append(F(l.TextX)).Append("\" y=\"").Append(F(y)).Append("\" font-size=\"").Append(F(size)).Append('"')
                .Append(bold ? " font-weight=\"700\"" : "").Append('>').Append(Encode(text)).Append("</text>");
        return sb.Append("</g></svg>").ToString();
    }

    /// <summary>One label as a PNG of the label's size at 300 dpi: the same layout as the SVG (LabelPng draws it).</summary>
    public byte[] LabelPng(CylinderLabel label) => CardPages.LabelPng.Draw(label, Layout, Modules(label.Url));

    /// <summary>
    /// The print-ready sheet: one label a page of exactly the label's size (CSS @page in millimetres), as label printers feed
    /// label stock; on screen the labels are shown side by side with a short instruction that does not print.
    /// </summary>
    public string SheetHtml(IReadOnlyList<CylinderLabel> labels)
    {
        var w = F(_o.LabelWidthMm);
        var h = F(_o.LabelHeightMm);
        var sb = new StringBuilder(labels.Count * 5000 + 2048);
        sb.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>气瓶标签（").Append(labels.Count).Append("张）</title><style>")
            .Append("@page{size:").Append(w).Append("mm ").Append(h).Append("mm;margin:0}")
            .Append("html,body{margin:0;padding:0}.label{width:").Append(w).Append("mm;height:").Append(h).Append("mm;overflow:hidden;break-after:page;page-break-after:always}")
            .Append(".label:last-child{break-after:auto;page-break-after:auto}.label svg{display:block;width:").Append(w).Append("mm;height:").Append(h).Append("mm}")
            .Append("@media screen{body{background:#e5e7eb;font:16px/1.5 sans-serif;padding:12px}.sheet{display:flex;flex-wrap:wrap;gap:4mm}.label{outline:1px dashed #6b7280;background:#fff}.hint{max-width:60rem}}")
            .Append("@media print{.hint{display:none}}</style></head><body>")
            .Append("<div class=\"hint\"><h1>气瓶标签 ").Append(labels.Count).Append(" 张</h1><p>每张标签 ").Append(w).Append(" × ").Append(h)
            .Append(" 毫米，一页一张。打印时请选择与标签纸相同的纸张尺寸，边距选“无”，缩放100%（实际大小），不要打印页眉页脚。贴标前请用手机扫一张，确认打开的是这个气瓶的信息页。</p></div><div class=\"sheet\">");
        foreach (var label in labels)
            sb.Append("<div class=\"label\" data-code=\"").Append(Encode(label.Code)).Append("\">").Append(LabelSvg(label)).Append("</div>");
        return sb.Append("</div></body></html>").ToString();
    }

    /// <summary>Several labels as a ZIP of {code}.svg or {code}.png files, each the whole label.</summary>
    public byte[] Zip(IReadOnlyList<CylinderLabel> labels, bool png)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var label in labels)
            {
                var entry = zip.CreateEntry(label.Code + (png ? ".png" : ".svg"), CompressionLevel.Fastest);
                using var s = entry.Open();
                var bytes = png ? LabelPng(label) : Encoding.UTF8.GetBytes(LabelSvg(label));
                s.Write(bytes);
            }
        return buffer.ToArray();
    }

    private static string F(double v) => Math.Round(v, 3).ToString(CultureInfo.InvariantCulture);
    private static string Encode(string s) => Encoder.Encode(s);
}
