using CylinderTrace.Cylinders;

namespace CylinderTrace.Tests.Cylinders;

public sealed class CylinderCodeTests
{
    [Theory]
    [InlineData("FZ0000123456", "FZ0000123456")]
    [InlineData("  fz0000123456 ", "FZ0000123456")]
    [InlineData("350-100-AB12", "350-100-AB12")]
    [InlineData("https://qr.example.gov.cn/c/FZ0000123456", "FZ0000123456")]
    [InlineData("https://qr.example.gov.cn/c/FZ0000123456/", "FZ0000123456")]
    [InlineData("http://qr.example.gov.cn/scan?code=FZ0000123456&src=label", "FZ0000123456")]
    [InlineData("https://qr.example.gov.cn/scan?src=label&CODE=fz0000123456", "FZ0000123456")]
    [InlineData("HTTPS://QR.EXAMPLE.GOV.CN/X/FZ0000123456", "FZ0000123456")]
    [InlineData("c=FZ0000123456", "FZ0000123456")]
    [InlineData("c%3DFZ0000123456", "FZ0000123456")]
    [InlineData("code%3DFZ0000123456%26v%3D1", "FZ0000123456")]
    [InlineData("ABCDEF", "ABCDEF")]
    [InlineData("ＦＺ００００１２３４５６", "FZ0000123456")]                // typed in a Chinese input method's full-width mode
    [InlineData("\u3000ｆｚ０００－１２３４５６\u3000", "FZ000-123456")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")]
    public void Accepts_every_form_a_scanner_reads(string raw, string expected)
    {
        Assert.True(CylinderCode.TryNormalise(raw, out var code));
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ABCDE")]                                   // too short
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456")]       // 33 characters
    [InlineData("FZ 0000123456")]
    [InlineData("FZ0000123456;DROP TABLE cylinders")]
    [InlineData("燃气瓶0001")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://qr.example.gov.cn/FZ0000123456")]
    [InlineData("https://qr.example.gov.cn/")]
    [InlineData("https://qr.example.gov.cn/scan?code=bad!code")]
    [InlineData("x=FZ0000123456")]
    [InlineData("%ZZ")]
    [InlineData("<xml>FZ0000123456</xml>")]
    public void Rejects_anything_else(string? raw) => Assert.False(CylinderCode.TryNormalise(raw, out _));

    [Fact]
    public void Rejects_very_long_input_without_work() => Assert.False(CylinderCode.TryNormalise(new string('A', 5000), out _));
}
