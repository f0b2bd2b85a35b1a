using System.Buffers.Binary;
using System.Text;

namespace CylinderTrace.Tests.MiniProgram;

/// <summary>Small, structurally valid images carrying location metadata, built byte by byte.</summary>
public static class SamplePhotos
{
    public const string Secret = "GPSLatitude=26.0823N";

    private static byte[] Segment(byte marker, byte[] payload)
    {
        var s = new byte[4 + payload.Length];
        s[0] = 0xFF; s[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(s, 4);
        return s;
    }

    public static byte[] Jpeg(int seed = 0)
    {
        var parts = new List<byte[]>
        {
            new byte[] { 0xFF, 0xD8 },
            Segment(0xE0, [.. "JFIF\0"u8.ToArray(), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
            Segment(0xE1, [.. "Exif\0\0"u8.ToArray(), .. Encoding.ASCII.GetBytes(Secret)]),
            Segment(0xFE, Encoding.ASCII.GetBytes("comment " + Secret)),
            Segment(0xDB, Enumerable.Repeat((byte)1, 65).ToArray()),
            Segment(0xDA, [1, 1, 0, 0, 63, 0]),
            new byte[] { 0x12, 0x34, (byte)seed, (byte)(seed >> 8), 0x56, 0xFF, 0xD9 },
        };
        return parts.SelectMany(p => p).ToArray();
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        data.CopyTo(c, 8);
        return c;
    }

    public static byte[] Png() =>
        new byte[][]
        {
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            Chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]),
            Chunk("eXIf", Encoding.ASCII.GetBytes(Secret)),
            Chunk("tEXt", Encoding.ASCII.GetBytes("Location\0" + Secret)),
            Chunk("IDAT", [1, 2, 3, 4]),
            Chunk("IEND", []),
        }.SelectMany(p => p).ToArray();

    private static byte[] RiffChunk(string fourcc, byte[] data)
    {
        var padded = data.Length + (data.Length & 1);
        var c = new byte[8 + padded];
        Encoding.ASCII.GetBytes(fourcc).CopyTo(c, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), (uint)data.Length);
        data.CopyTo(c, 8);
        return c;
    }

    public static byte[] WebP()
    {
        var body = new byte[][]
        {
            "WEBP"u8.ToArray(),
            RiffChunk("VP8X", [0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            RiffChunk("VP8L", [0x2F, 0, 0, 0, 0x10, 7]),
            RiffChunk("EXIF", Encoding.ASCII.GetBytes(Secret)),
        }.SelectMany(p => p).ToArray();
        var riff = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(riff);
        BinaryPrimitives.WriteUInt32LittleEndian(riff.AsSpan(4), (uint)body.Length);
        body.CopyTo(riff, 8);
        return riff;
    }
}
