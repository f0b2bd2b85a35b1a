using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata;
using SkiaSharp;

namespace CylinderTrace.CardPages;

/// <summary>
/// A label drawn as a PNG at 300 dpi, in LabelSheets' layout: for label printers' own software, which takes images rather
/// than SVG. Text needs a Chinese font on the server (Debian fonts-noto-cjk); without one, PNG labels are refused (FontMissing)
/// rather than printed with empty boxes where the owner's name should be.
/// </summary>
public static class LabelPng
{
    public const int Dpi = 300;
    private const double PixelsPerMm = Dpi / 25.4;
    private const string Probe = "燃气扫码查验气瓶投诉举报热线漏气请拨";

    private sealed record Fonts(SKTypeface Regular, SKTypeface Bold, SKTypeface Code);

    private static readonly Lazy<Fonts?> Found = new(FindFonts);

    /// <summary>No font on this machine draws Chinese: PNG labels cannot be made (SVG and the print page still can).</summary>
    public static bool FontMissing => Found.Value is null;

    public const string FontMissingMessage = "服务器缺少中文字体，无法生成PNG标签；请改用打印页（html）或SVG，或请系统管理员安装中文字体（Debian 的 fonts-noto-cjk）。";

    private static Fonts? FindFonts()
    {
        try { return FindFontsWith(SKFontManager.Default); }
        // Skia's native library needs fontconfig (libfontconfig1): a machine without it cannot draw text either.
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException) { return null; }
    }

    private static Fonts? FindFontsWith(SKFontManager manager)
    {
        SKTypeface? Cjk(SKFontStyle style)
        {
            foreach (var family in new[] { "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Sans SC" })
                if (manager.MatchFamily(family, style) is { } t && Draws(t, Probe)) return t;
            return manager.MatchCharacter(null, style, ["zh-CN"], '燃') is { } f && Draws(f, Probe) ? f : null;
        }
        var regular = Cjk(SKFontStyle.Normal);
        var bold = Cjk(SKFontStyle.Bold) ?? regular;
        if (regular is null || bold is null) return null;
        var mono = manager.MatchFamily("DejaVu Sans Mono", SKFontStyle.Bold) is { } m && Draws(m, "FZ0123456789-") ? m : bold;
        return new Fonts(regular, bold, mono);
    }

    private static bool Draws(SKTypeface typeface, string text)
    {
        using var font = new SKFont(typeface);
        return font.ContainsGlyphs(text);
    }

    /// <summary>The label as PNG bytes (black on white, 300 dpi recorded in the file so it prints at its size).</summary>
    internal static byte[] Draw(CylinderLabel label, LabelSheets.LabelLayout l, bool[,] modules)
    {
        var fonts = Found.Value ?? throw new InvalidOperationException(FontMissingMessage);
        var width = (int)Math.Round(l.Width * PixelsPerMm);
        var height = (int)Math.Round(l.Height * PixelsPerMm);
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            // Module edges on whole pixels, no anti-aliasing: a scanner reads sharp edges best.
            using var dark = new SKPaint { Color = SKColors.Black, IsAntialias = false, Style = SKPaintStyle.Fill };
            var n = modules.GetLength(0);
            double Px(double mm) => mm * PixelsPerMm;
            double left = Px(l.QrLeft), module = Px(l.Qr) / n;
            for (var y = 0; y < n; y++)
                for (var x = 0; x < n; x++)
                {
                    if (!modules[y, x]) continue;
                    var run = 1;
                    while (x + run < n && modules[y, x + run]) run++;
                    canvas.DrawRect(SKRect.Create(
                        (float)Math.Round(left + x * module), (float)Math.Round(left + y * module),
                        (float)(Math.Round(left + (x + run) * module) - Math.Round(left + x * module)),
                        (float)(Math.Round(left + (y + 1) * module) - Math.Round(left + y * module))), dark);
                    x += run - 1;
                }

            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using (var code = new SKFont(fonts.Code, (float)Px(l.CodeSize(label.Code.Length))))
            {
                // The code is drawn no wider than the QR above it, whatever the font's advance widths.
                var fit = (float)Px(l.Qr) / Math.Max(1f, code.MeasureText(label.Code));
                if (fit < 1) code.Size *= fit;
                canvas.DrawText(label.Code, (float)Px(l.CodeCentre), (float)Px(l.CodeBaseline), SKTextAlign.Center, code, ink);
            }
            foreach (var (y, size, bold, text) in l.Lines(label))
            {
                using var font = new SKFont(bold ? fonts.Bold : fonts.Regular, (float)Px(size));
                var fit = (float)Px(l.TextWidth) / Math.Max(1f, font.MeasureText(text));
                if (fit < 1) font.Size *= fit;
                canvas.DrawText(text, (float)Px(l.TextX), (float)Px(y), SKTextAlign.Left, font, ink);
            }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        // Skia writes no resolution; ImageSharp (already here for photos) records 300 dpi in the PNG's pHYs chunk.
        using var image = SixLabors.ImageSharp.Image.Load(encoded.AsSpan());
        image.Metadata.ResolutionUnits = PixelResolutionUnit.PixelsPerInch;
        image.Metadata.HorizontalResolution = Dpi;
        image.Metadata.VerticalResolution = Dpi;
        using var output = new MemoryStream();
        image.SaveAsPng(output);
        return output.ToArray();
    }
}
