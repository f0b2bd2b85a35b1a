using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CylinderTrace.Complaints.Photos;

/// <summary>
/// Cleans every accepted photo by decoding it and encoding a new file from its pixels alone
/// (SixLabors.ImageSharp 2.1, Apache-2.0), so nothing else of the upload survives: no EXIF (GPS), XMP,
/// IPTC, ICC profile, comment, PNG text or private chunk, no second image after the first (MPF), no
/// segment after the scan, no bytes after the end. The EXIF orientation is applied to the pixels first,
/// so photos are upright without it. The ICC profile is dropped rather than kept: it can name the device,
/// and a wide-gamut (Display P3) photo shown as sRGB is a little duller, which does not matter for
/// evidence of a hazard; ImageSharp 2 cannot convert between profiles.
/// Only JPEG, PNG and WebP decoders are registered (recognised by their bytes, never by name). The
/// dimensions are read from the header first and a photo over Photos:MaxPixels is refused
/// before any pixel buffer exists (a small file can declare 50000×50000). Every photo is decoded into 8-bit
/// RGBA whatever its depth (a 16-bit PNG would otherwise take 8 bytes a pixel), the allocator refuses any
/// single buffer larger than the largest allowed image, and at most Photos:MaxConcurrentDecodes photos are
/// decoded at once on the whole instance, so memory stays bounded under load however many cores there are
/// (about twice the largest image per decode while it is turned upright). Output: PNG for a PNG or lossless WebP,
/// otherwise JPEG (quality 85). Animated WebP is refused by ImageSharp 2; a PNG's animation frames
/// (APNG) are ignored, only the first image is kept.
/// </summary>
public sealed class PhotoSanitiser
{
    /// <summary>The cleaned photo: a new file of the given type.</summary>
    public sealed record Cleaned(string ContentType, byte[] Bytes, int Width, int Height) : PhotoOutcome;

    private const int JpegQuality = 85;
    private const int BytesPerPixel = 4; // Rgba32, what every photo is decoded into

    private readonly Configuration configuration;
    private readonly long maxPixels;
    private readonly SemaphoreSlim decoding;
    private readonly ILogger<PhotoSanitiser> logger;

    public PhotoSanitiser(IOptions<PhotoOptions> options, ILogger<PhotoSanitiser> logger)
    {
        this.logger = logger;
        maxPixels = options.Value.MaxPixels;
        decoding = new SemaphoreSlim(options.Value.MaxConcurrentDecodes);
        configuration = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule(), new WebpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = (int)Math.Min(int.MaxValue, maxPixels * BytesPerPixel / (1024 * 1024) + 16),
                MaximumPoolSizeMegabytes = 64,
            }),
        };
    }

    public long MaxPixels => maxPixels;

    /// <summary>A <see cref="Cleaned"/> photo or a <see cref="PhotoRefused"/>; never throws for what the bytes contain.</summary>
    public async Task<PhotoOutcome> CleanAsync(byte[] data, CancellationToken ct)
    {
        await decoding.WaitAsync(ct);
        try
        {
            return Clean(data);
        }
        finally
        {
            decoding.Release();
        }
    }

    /// <summary>As <see cref="CleanAsync"/>, without waiting for a turn (tests and one-off tools).</summary>
    public PhotoOutcome Clean(byte[] data)
    {
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(configuration, data, out format);
        }
        catch (Exception e) when (IsAboutTheBytes(e))
        {
            return Unreadable(e);
        }
        if (info is null || format is null) return PhotoRefused.NotAPhoto();
        if (info.Width < 1 || info.Height < 1) return PhotoRefused.Unreadable();
        if ((long)info.Width * info.Height > maxPixels) return PhotoRefused.TooManyPixels(info.Width, info.Height, maxPixels);

        try
        {
            using var image = Image.Load<Rgba32>(configuration, data, out format);
            image.Mutate(x => x.AutoOrient());
            Strip(image);
            var lossless = format is PngFormat || (format is WebpFormat && image.Metadata.GetWebpMetadata().FileFormat == WebpFileFormatType.Lossless);
            using var output = new MemoryStream();
            if (lossless)
                image.Save(output, new PngEncoder { ChunkFilter = PngChunkFilter.ExcludeAll, IgnoreMetadata = true, BitDepth = PngBitDepth.Bit8 });
            else
                image.Save(output, new JpegEncoder { Quality = JpegQuality });
            return new Cleaned(lossless ? "image/png" : "image/jpeg", output.ToArray(), image.Width, image.Height);
        }
        catch (Exception e) when (IsAboutTheBytes(e))
        {
            return Unreadable(e);
        }
    }

    private static void Strip(Image image)
    {
        var metadata = image.Metadata;
        metadata.ExifProfile = null;
        metadata.XmpProfile = null;
        metadata.IptcProfile = null;
        metadata.IccProfile = null;
        metadata.GetPngMetadata().TextData.Clear();
        foreach (var frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.XmpProfile = null;
            frame.Metadata.IptcProfile = null;
            frame.Metadata.IccProfile = null;
        }
    }

    // A decoder meeting hostile or broken input may throw more than ImageFormatException (animated WebP:
    // NotSupportedException; a buffer over the limit: InvalidMemoryOperationException; a decoder's own
    // bug: anything). All of them mean "not a photo we can clean": a 4xx, never a 500.
    private static bool IsAboutTheBytes(Exception e) => e is not (OutOfMemoryException or OperationCanceledException);

    private PhotoRefused Unreadable(Exception e)
    {
        logger.LogInformation("Photo refused as unreadable: {Error}: {Message}", e.GetType().Name, e.Message);
        return PhotoRefused.Unreadable();
    }
}
