using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// Real, decodable photos (drawn and encoded here) carrying a location marker in the places metadata
/// hides: EXIF GPS (JPEG APP1, PNG eXIf, WebP EXIF), a second image after the first (MPF), an APP1
/// segment after the scan, PNG lower-case and private chunks, and bytes after the end of the image.
/// Formats: JPEG (ITU-T T.81 markers, EXIF 2.3 / TIFF 6.0 IFDs, CIPA DC-007 MPF), PNG (RFC 2083 chunks and CRC), WebP (RIFF container).
/// </summary>
public static class SamplePhotos
{
    public const string Secret = "GPSLatitude=26.0823N";
    public const int Width = 64, Height = 48;

    public enum JpegHiding { ExifGps, MpfSecondImage, App1AfterScan, AfterEndOfImage }
    public enum PngHiding { ExifChunk, LowerCaseExifChunk, PrivateChunk, TextChunk, AfterEnd }

    /// <summary>A gradient with the seed's 16 bits drawn as 8×8 blocks, so different seeds stay different photos after re-encoding.</summary>
    public static Image<Rgb24> Picture(int seed = 0, int width = Width, int height = Height)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var block = y / 8 * 8 + x / 8;
                var bit = y < 16 && block < 16 && ((seed >> block) & 1) == 1;
                image[x, y] = bit ? new Rgb24(250, 250, 250) : new Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), 40);
            }
        return image;
    }

    public static byte[] PlainJpeg(int seed = 0, int width = Width, int height = Height)
    {
        using var image = Picture(seed, width, height);
        using var output = new MemoryStream();
        image.Save(output, new JpegEncoder { Quality = 90 });
        return output.ToArray();
    }

    /// <summary>An EXIF block (TIFF, little-endian): IFD0 with the orientation and a GPS IFD (N 26°4'56.28", E 119°17'45.96", processing method = the marker).</summary>
    public static byte[] Exif(ushort orientation = 1)
    {
        var tiff = new byte[180];
        var s = tiff.AsSpan();
        "II"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], 42);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], 8);
        void Entry(int at, ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), value);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], 2);
        Entry(10, 0x0112, 3, 1, orientation);          // Orientation (SHORT, inline)
        Entry(22, 0x8825, 4, 1, 38);                   // GPS IFD pointer
        BinaryPrimitives.WriteUInt16LittleEndian(s[38..], 5);
        Entry(40, 0x0001, 2, 2, 'N');                  // GPSLatitudeRef "N\0"
        Entry(52, 0x0002, 5, 3, 104);                  // GPSLatitude
        Entry(64, 0x0003, 2, 2, 'E');                  // GPSLongitudeRef "E\0"
        Entry(76, 0x0004, 5, 3, 128);                  // GPSLongitude
        Entry(88, 0x001B, 7, 8 + (uint)Secret.Length, 152); // GPSProcessingMethod
        uint[] rationals = [26, 1, 4, 1, 5628, 100, 119, 1, 17, 1, 4596, 100];
        for (var i = 0; i < rationals.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(s[(104 + 4 * i)..], rationals[i]);
        "ASCII\0\0\0"u8.CopyTo(s[152..]);
        Encoding.ASCII.GetBytes(Secret).CopyTo(s[160..]);
        return tiff;
    }

    private static byte[] Segment(byte marker, byte[] payload)
    {
        var s = new byte[4 + payload.Length];
        s[0] = 0xFF; s[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(s, 4);
        return s;
    }

    private static byte[] ExifSegment(ushort orientation) => Segment(0xE1, [.. "Exif\0\0"u8.ToArray(), .. Exif(orientation)]);

    /// <summary>After SOI and the encoder's APP0 (JFIF).</summary>
    private static byte[] InsertAfterApp0(byte[] jpeg, params byte[][] segments)
    {
        var at = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0) at = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        return [.. jpeg[..at], .. segments.SelectMany(x => x), .. jpeg[at..]];
    }

    /// <summary>A JPEG with EXIF GPS and a comment holding the marker (orientation 1): the everyday sample.</summary>
    public static byte[] Jpeg(int seed = 0) =>
        InsertAfterApp0(PlainJpeg(seed), ExifSegment(1), Segment(0xFE, Encoding.ASCII.GetBytes("comment " + Secret)));

    /// <summary>
    /// A JPEG (EXIF orientation 6: shown rotated 90°, so a correct copy is <see cref="Height"/> wide) with the marker in one more place.
    /// </summary>
    public static byte[] Jpeg(JpegHiding where, int seed)
    {
        var jpeg = InsertAfterApp0(PlainJpeg(seed), ExifSegment(6));
        var eoi = jpeg.Length - 2;
        return where switch
        {
            JpegHiding.ExifGps => jpeg,
            // The MP Format's APP2 and a second, smaller JPEG after the first one's EOI, with its own EXIF GPS.
            JpegHiding.MpfSecondImage => [.. InsertAfterApp0(jpeg, Segment(0xE2, [.. "MPF\0II*\0"u8.ToArray(), 8, 0, 0, 0])),
                .. InsertAfterApp0(PlainJpeg(seed + 1, 32, 24), ExifSegment(6), Segment(0xFE, Encoding.ASCII.GetBytes(Secret)))],
            JpegHiding.App1AfterScan => [.. jpeg[..eoi], .. ExifSegment(6), .. jpeg[eoi..]],
            JpegHiding.AfterEndOfImage => [.. jpeg, .. Encoding.ASCII.GetBytes("\0\0trailer " + Secret + "\0")],
            _ => throw new ArgumentOutOfRangeException(nameof(where)),
        };
    }

    /// <summary>A JPEG whose frame header (SOF0) declares width × height, whatever its data.</summary>
    public static byte[] JpegDeclaring(int width, int height)
    {
        var jpeg = PlainJpeg();
        for (var i = 2; i < jpeg.Length - 9; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)width);
                return jpeg;
            }
        throw new InvalidOperationException("no SOF in the encoder's JPEG");
    }

    // CRC-32 of PNG chunks (ISO 3309, RFC 2083 annex 15).
    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        data.CopyTo(c, 8);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), Crc(c.AsSpan(4, 4 + data.Length)));
        return c;
    }

    public static byte[] PlainPng(int seed = 0)
    {
        using var image = Picture(seed);
        using var output = new MemoryStream();
        image.Save(output, new PngEncoder());
        return output.ToArray();
    }

    private const int PngHeaderEnd = 8 + 25; // signature, IHDR

    /// <summary>A PNG with EXIF GPS (eXIf) and a text chunk holding the marker: the everyday sample.</summary>
    public static byte[] Png(int seed = 0)
    {
        var png = PlainPng(seed);
        return [.. png[..PngHeaderEnd], .. Chunk("eXIf", Exif()), .. Chunk("tEXt", Encoding.ASCII.GetBytes("Location\0" + Secret)), .. png[PngHeaderEnd..]];
    }

    public static byte[] Png(PngHiding where, int seed)
    {
        var png = PlainPng(seed);
        byte[] Before(byte[] chunk) => [.. png[..PngHeaderEnd], .. chunk, .. png[PngHeaderEnd..]];
        return where switch
        {
            PngHiding.ExifChunk => Before(Chunk("eXIf", Exif())),
            // Chunk names are case-sensitive (RFC 2083 §3.3): "exIf" is not eXIf, and a private chunk is anything the writer likes.
            PngHiding.LowerCaseExifChunk => Before(Chunk("exIf", Exif())),
            PngHiding.PrivateChunk => Before(Chunk("prVt", Encoding.ASCII.GetBytes("where=" + Secret))),
            PngHiding.TextChunk => Before(Chunk("iTXt", Encoding.ASCII.GetBytes("GPS\0\0\0\0\0" + Secret))),
            PngHiding.AfterEnd => [.. png, .. Encoding.ASCII.GetBytes(Secret)],
            _ => throw new ArgumentOutOfRangeException(nameof(where)),
        };
    }

    /// <summary>A small, valid PNG whose header declares width × height (a decompression bomb: its few bytes would inflate to width × height × 3).</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        using var compressed = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + 3 * Math.Min(width, 4096)];
            for (var i = 0; i < 64; i++) z.Write(row);
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] RiffChunk(string fourcc, byte[] data)
    {
        var padded = data.Length + (data.Length & 1);
        var c = new byte[8 + padded];
        Encoding.ASCII.GetBytes(fourcc).CopyTo(c, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), (uint)data.Length);
        data.CopyTo(c, 8);
        return c;
    }

    /// <summary>A WebP (lossy, or lossless) in the extended format with an EXIF chunk holding GPS and the marker.</summary>
    public static byte[] WebP(int seed = 0, bool lossless = false)
    {
        using var image = Picture(seed);
        using var encoded = new MemoryStream();
        image.Save(encoded, new WebpEncoder { FileFormat = lossless ? WebpFileFormatType.Lossless : WebpFileFormatType.Lossy, Quality = 90 });
        var simple = encoded.ToArray();
        var imageChunk = simple[12..]; // the VP8 or VP8L chunk after "RIFF" size "WEBP"
        var vp8x = new byte[10];
        vp8x[0] = 0x08; // EXIF present
        vp8x[4] = (byte)(Width - 1); // canvas width − 1, 24-bit little-endian
        vp8x[7] = (byte)(Height - 1);
        byte[] body = [.. "WEBP"u8.ToArray(), .. RiffChunk("VP8X", vp8x), .. imageChunk, .. RiffChunk("EXIF", Exif())];
        var riff = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(riff);
        BinaryPrimitives.WriteUInt32LittleEndian(riff.AsSpan(4), (uint)body.Length);
        body.CopyTo(riff, 8);
        return riff;
    }

    public static bool HoldsSecret(byte[] data) => data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Secret)) >= 0;
}
