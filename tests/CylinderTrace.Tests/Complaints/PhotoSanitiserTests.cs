using System.Text;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using static CylinderTrace.Tests.Infrastructure.SamplePhotos;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// Issue 16, item 4: the cleaner kept location metadata wherever it did not look (an MPF second image,
/// APP1 after the scan, PNG lower-case or private chunks, bytes after the end). Every photo is now
/// re-encoded from its pixels, upright, and bounded in pixels before it is decoded.
/// </summary>
public sealed class PhotoSanitiserTests
{
    private static readonly PhotoSanitiser Sanitiser =
        new(Options.Create(new CylinderTrace.Complaints.Photos.PhotoOptions { MaxPixels = 40_000_000 }), NullLogger<PhotoSanitiser>.Instance);

    private static PhotoSanitiser.Cleaned Cleaned(byte[] data)
    {
        var outcome = Sanitiser.Clean(data);
        return outcome as PhotoSanitiser.Cleaned ?? throw new Xunit.Sdk.XunitException($"refused: {outcome}");
    }

    /// <summary>The cleaned bytes decode, with these dimensions, and hold no marker.</summary>
    private static void AssertClean(PhotoSanitiser.Cleaned clean, string type, int width, int height)
    {
        Assert.Equal(type, clean.ContentType);
        Assert.False(HoldsSecret(clean.Bytes), "the location marker survived");
        var info = Image.Identify(clean.Bytes, out var format);
        Assert.Equal(type, format.DefaultMimeType);
        Assert.Equal((width, height), (info.Width, info.Height));
        Assert.Null(info.Metadata.ExifProfile);
        Assert.Null(info.Metadata.IccProfile);
        using var decoded = Image.Load(clean.Bytes); // all of it decodes, not only the header
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
    }

    [Theory]
    [InlineData(JpegHiding.ExifGps)]
    [InlineData(JpegHiding.MpfSecondImage)]
    [InlineData(JpegHiding.App1AfterScan)]
    [InlineData(JpegHiding.AfterEndOfImage)]
    public void A_jpeg_comes_out_without_the_location_wherever_it_was_and_upright(JpegHiding where)
    {
        var original = Jpeg(where, 7);
        Assert.True(HoldsSecret(original));
        var clean = Cleaned(original);
        // EXIF orientation 6 is applied to the pixels: the 64×48 picture is stored 48×64, and ends at its EOI.
        AssertClean(clean, "image/jpeg", Height, Width);
        Assert.Equal([0xFF, 0xD9], clean.Bytes[^2..]);
        Assert.Equal(1, Occurrences(clean.Bytes, [0xFF, 0xD8, 0xFF]));
    }

    [Theory]
    [InlineData(PngHiding.ExifChunk)]
    [InlineData(PngHiding.LowerCaseExifChunk)]
    [InlineData(PngHiding.PrivateChunk)]
    [InlineData(PngHiding.TextChunk)]
    [InlineData(PngHiding.AfterEnd)]
    public void A_png_comes_out_without_the_location_wherever_it_was(PngHiding where)
    {
        var original = Png(where, 7);
        Assert.True(HoldsSecret(original));
        var clean = Cleaned(original);
        AssertClean(clean, "image/png", Width, Height);
        // Only the chunks a picture needs.
        var chunks = new List<string>();
        for (var i = 8; i + 8 <= clean.Bytes.Length; i += 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(clean.Bytes.AsSpan(i)))
            chunks.Add(Encoding.ASCII.GetString(clean.Bytes, i + 4, 4));
        Assert.All(chunks, c => Assert.Contains(c, new[] { "IHDR", "PLTE", "tRNS", "IDAT", "IEND" }));
        Assert.Equal("IEND", chunks[^1]);
    }

    [Fact]
    public void The_everyday_samples_lose_exif_and_comments_and_text()
    {
        AssertClean(Cleaned(SamplePhotos.Jpeg(3)), "image/jpeg", Width, Height);
        AssertClean(Cleaned(SamplePhotos.Png(3)), "image/png", Width, Height);
    }

    [Fact]
    public void A_webp_loses_its_exif_and_becomes_a_jpeg_or_when_lossless_a_png()
    {
        Assert.True(HoldsSecret(WebP()));
        AssertClean(Cleaned(WebP()), "image/jpeg", Width, Height);
        AssertClean(Cleaned(WebP(lossless: true)), "image/png", Width, Height);
    }

    [Fact]
    public void Different_pictures_stay_different_photos()
    {
        var a = Cleaned(SamplePhotos.Jpeg(1)).Bytes;
        var b = Cleaned(SamplePhotos.Jpeg(2)).Bytes;
        Assert.NotEqual(a, b);
        Assert.Equal(a, Cleaned(SamplePhotos.Jpeg(1)).Bytes); // the same picture, the same photo id
    }

    [Fact]
    public void A_pixel_bomb_is_refused_from_its_header_before_any_pixel_buffer_is_allocated()
    {
        foreach (var bomb in new[] { PngDeclaring(50_000, 50_000), JpegDeclaring(60_000, 60_000), PngDeclaring(6_400, 6_400) })
        {
            Assert.True(bomb.Length < 100_000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = Sanitiser.Clean(bomb);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var refused = Assert.IsType<PhotoRefused>(outcome);
            Assert.Equal(PhotoRefusal.TooManyPixels, refused.Reason);
            Assert.Contains("万像素", refused.Detail);
            Assert.True(allocated < 8 * 1024 * 1024, $"{allocated} bytes allocated to refuse it");
        }
        // Just under the limit is a photo like any other.
        var small = new PhotoSanitiser(Options.Create(new CylinderTrace.Complaints.Photos.PhotoOptions { MaxPixels = Width * Height }), NullLogger<PhotoSanitiser>.Instance);
        Assert.IsType<PhotoSanitiser.Cleaned>(small.Clean(PlainJpeg()));
        Assert.Equal(PhotoRefusal.TooManyPixels, Assert.IsType<PhotoRefused>(small.Clean(PlainJpeg(0, Width + 1, Height))).Reason);
    }

    [Theory]
    [InlineData("not an image at all")]
    [InlineData("GIF89a......")]
    [InlineData("<svg xmlns='http://www.w3.org/2000/svg'/>")]
    [InlineData("BM6\0\0\0\0\0\0\06\0\0\0(\0\0\0")]
    public void Anything_else_is_refused_as_not_a_photo(string text) =>
        Assert.Equal(PhotoRefusal.NotAPhoto, Assert.IsType<PhotoRefused>(Sanitiser.Clean(Encoding.UTF8.GetBytes(text))).Reason);

    [Fact]
    public void Truncated_corrupt_or_lying_images_are_refused_never_thrown()
    {
        Assert.IsType<PhotoRefused>(Sanitiser.Clean([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8.ToArray(), 1, 2, 3]));
        Assert.IsType<PhotoRefused>(Sanitiser.Clean(PlainPng()[..60]));
        var header = PlainPng()[..33];
        Assert.IsType<PhotoRefused>(Sanitiser.Clean([.. header, .. Chunk("IDAT", "not a zlib stream at all"u8.ToArray()), .. Chunk("IEND", [])]));
        var webp = WebP();
        webp[webp.AsSpan().IndexOf("VP8 "u8) + 8 + 3] = 0; // the key frame's start code (9D 01 2A)
        Assert.IsType<PhotoRefused>(Sanitiser.Clean(webp));
        // Every prefix and a scribbled copy of each sample: a refusal or a clean photo, never an exception.
        foreach (var sample in new[] { SamplePhotos.Jpeg(5), SamplePhotos.Png(5), WebP(5) })
        {
            for (var cut = 1; cut < sample.Length; cut += Math.Max(1, sample.Length / 97))
                Assert.IsAssignableFrom<PhotoOutcome>(Sanitiser.Clean(sample[..cut]));
            var random = new Random(sample.Length);
            for (var round = 0; round < 30; round++)
            {
                var scribbled = sample.ToArray();
                for (var k = 0; k < 8; k++) scribbled[random.Next(2, scribbled.Length)] = (byte)random.Next(256);
                if (Sanitiser.Clean(scribbled) is PhotoSanitiser.Cleaned clean) Assert.False(HoldsSecret(clean.Bytes));
            }
        }
    }

    private static int Occurrences(byte[] data, byte[] pattern)
    {
        var count = 0;
        for (var i = data.AsSpan().IndexOf(pattern); i >= 0; count++)
        {
            var next = data.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return count;
    }
}
