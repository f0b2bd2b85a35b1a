using System.Text;
using CylinderTrace.Complaints.Photos;

namespace CylinderTrace.Tests.MiniProgram;

public sealed class PhotoSanitiserTests
{
    private static bool Contains(byte[] data, string text) => Encoding.ASCII.GetString(data).Contains(text, StringComparison.Ordinal);

    [Fact]
    public void Jpeg_loses_exif_and_comments_but_keeps_jfif_tables_and_scan()
    {
        var original = SamplePhotos.Jpeg();
        var clean = PhotoSanitiser.Sanitise(original)!;
        Assert.Equal("image/jpeg", clean.ContentType);
        Assert.False(Contains(clean.Bytes, SamplePhotos.Secret));
        Assert.True(Contains(clean.Bytes, "JFIF"));
        Assert.Equal(original[^7..], clean.Bytes[^7..]);
    }

    [Fact]
    public void Png_loses_exif_and_text_chunks()
    {
        var clean = PhotoSanitiser.Sanitise(SamplePhotos.Png())!;
        Assert.Equal("image/png", clean.ContentType);
        Assert.False(Contains(clean.Bytes, SamplePhotos.Secret));
        Assert.True(Contains(clean.Bytes, "IDAT"));
        Assert.True(Contains(clean.Bytes, "IEND"));
    }

    [Fact]
    public void WebP_loses_exif_and_its_flag()
    {
        var clean = PhotoSanitiser.Sanitise(SamplePhotos.WebP())!;
        Assert.Equal("image/webp", clean.ContentType);
        Assert.False(Contains(clean.Bytes, SamplePhotos.Secret));
        Assert.Equal(0, clean.Bytes[20] & 0x08);
        Assert.Equal(clean.Bytes.Length - 8, BitConverter.ToInt32(clean.Bytes, 4));
    }

    [Theory]
    [InlineData("not an image at all")]
    [InlineData("GIF89a......")]
    [InlineData("<svg xmlns='http://www.w3.org/2000/svg'/>")]
    public void Anything_else_is_refused(string text) => Assert.Null(PhotoSanitiser.Sanitise(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Truncated_or_lying_images_are_refused()
    {
        Assert.Null(PhotoSanitiser.Sanitise(SamplePhotos.Jpeg()[..30]));
        Assert.Null(PhotoSanitiser.Sanitise(SamplePhotos.Png()[..40]));
        var webp = SamplePhotos.WebP();
        webp[4] = 0xFF;
        Assert.Null(PhotoSanitiser.Sanitise(webp));
        for (var cut = 1; cut < 60; cut++)
        {
            PhotoSanitiser.Sanitise(SamplePhotos.Jpeg()[..cut]);
            PhotoSanitiser.Sanitise(SamplePhotos.Png()[..cut]);
            PhotoSanitiser.Sanitise(SamplePhotos.WebP()[..Math.Min(cut, SamplePhotos.WebP().Length)]);
        }
    }
}
