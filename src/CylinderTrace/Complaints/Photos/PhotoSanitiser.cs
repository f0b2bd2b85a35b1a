using System.Buffers.Binary;

namespace CylinderTrace.Complaints.Photos;

/// <summary>
/// Recognises JPEG, PNG and WebP by their bytes (never by name or declared type) and removes the
/// metadata that can carry a location or personal data: JPEG APP1 (EXIF, XMP), APP13 (IPTC) and
/// comments; PNG eXIf and text chunks; WebP EXIF and XMP chunks (and their VP8X flags). Pixels are
/// untouched. Anything that does not parse as the format it claims is refused.
/// Formats: JPEG (ITU-T T.81 markers), PNG (RFC 2083 chunks), WebP (RIFF container, Google's spec).
/// </summary>
public static class PhotoSanitiser
{
    public sealed record Result(string ContentType, string Extension, byte[] Bytes);

    public static Result? Sanitise(ReadOnlySpan<byte> data)
    {
        try
        {
            if (data.Length > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Jpeg(data);
            if (data.Length > 8 && data[..8].SequenceEqual(PngSignature)) return Png(data);
            if (data.Length > 12 && data[..4].SequenceEqual("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP(data);
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // truncated or lying lengths
        }
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static Result? Jpeg(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data[..2]); // SOI
        var i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF) return null;
            var marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker == 0xDA) // start of scan: the rest is image data
            {
                output.Write(data[i..]);
                return new Result("image/jpeg", "jpg", output.ToArray());
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { output.Write(data.Slice(i, 2)); i += 2; continue; }
            if (marker == 0xD9) return null; // end of image before any scan
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 2, 2));
            if (length < 2 || i + 2 + length > data.Length) return null;
            var drop = marker is 0xE1 or 0xED or 0xFE or (>= 0xE3 and <= 0xEC) or 0xEF;
            if (!drop) output.Write(data.Slice(i, 2 + length));
            i += 2 + length;
        }
        return null;
    }

    private static readonly HashSet<string> PngDropped = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"];

    private static Result? Png(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data[..8]);
        var i = 8;
        var sawHeader = false;
        while (i + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(i, 4));
            if (length > int.MaxValue || i + 12 + (long)length > data.Length) return null;
            var type = System.Text.Encoding.ASCII.GetString(data.Slice(i + 4, 4));
            if (!sawHeader && type != "IHDR") return null;
            sawHeader = true;
            var chunk = data.Slice(i, 12 + (int)length);
            if (!PngDropped.Contains(type)) output.Write(chunk);
            i += chunk.Length;
            if (type == "IEND") return new Result("image/png", "png", output.ToArray());
        }
        return null;
    }

    private static Result? WebP(ReadOnlySpan<byte> data)
    {
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(4, 4));
        if (riffSize + 8L > data.Length || riffSize < 4) return null;
        var body = data.Slice(12, (int)riffSize - 4);
        using var chunks = new MemoryStream(body.Length);
        var i = 0;
        var sawImage = false;
        while (i + 8 <= body.Length)
        {
            var fourcc = System.Text.Encoding.ASCII.GetString(body.Slice(i, 4));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(body.Slice(i + 4, 4));
            var padded = size + (size & 1);
            if (i + 8 + (long)padded > body.Length) return null;
            var chunk = body.Slice(i, 8 + (int)padded).ToArray();
            if (fourcc == "VP8X" && size >= 1) chunk[8] &= unchecked((byte)~0x0C); // clear the EXIF (0x08) and XMP (0x04) flags
            if (fourcc is "VP8 " or "VP8L" or "ANIM") sawImage = true;
            if (fourcc is not ("EXIF" or "XMP ")) chunks.Write(chunk);
            i += chunk.Length;
        }
        if (!sawImage || i != body.Length) return null;
        var output = new byte[12 + chunks.Length];
        "RIFF"u8.CopyTo(output);
        BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(4), (uint)(4 + chunks.Length));
        "WEBP"u8.CopyTo(output.AsSpan(8));
        chunks.ToArray().CopyTo(output, 12);
        return new Result("image/webp", "webp", output);
    }
}
