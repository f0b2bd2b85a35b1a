using System.Text;

namespace CylinderTrace.Platform.Csv;

/// <summary>
/// The encoding a CSV file was saved in, found from its bytes: a UTF-8 byte-order mark, else bytes that are valid
/// UTF-8 throughout, else bytes that are valid GB18030 throughout (GB 18030-2005, a superset of GBK and GB 2312:
/// what Chinese Excel writes for "CSV (逗号分隔)", code page 936). Anything else is refused with a message that
/// says what to do, rather than read as replacement characters: UTF-16 ("Unicode 文本"), an Excel workbook
/// renamed to .csv, or bytes that fit no encoding. Pure ASCII reads as UTF-8 (the same text in either).
/// </summary>
public static class CsvEncoding
{
    static CsvEncoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>UTF-8 that throws on invalid bytes.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>GB18030 (code page 54936) that throws on invalid bytes.</summary>
    public static Encoding Gb18030 { get; } = GetGb18030();

    private static Encoding GetGb18030()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }

    /// <summary>A person's name for an encoding this class found.</summary>
    public static string Describe(Encoding encoding) => encoding.CodePage == 54936 ? "GB18030/GBK" : "UTF-8";

    /// <summary>The file's encoding; an <see cref="InvalidDataException"/> (message in Chinese, for the person who made the file) when it is none we read.</summary>
    public static Encoding Detect(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Detect(stream);
    }

    public static Encoding Detect(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        var n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        head = head[..n];
        stream.Position = 0;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            throw new InvalidDataException("文件是 UTF-16 编码（Excel 的“Unicode 文本”），不能导入：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”或“CSV（逗号分隔）”后再导入。");
        if (head.StartsWith("PK\u0003\u0004"u8))
            throw new InvalidDataException("文件是 Excel 工作簿（.xlsx），不是 CSV：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再导入。");
        var bom = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        var utf8Error = FirstInvalidLine(stream, Utf8, bom ? 3 : 0);
        if (utf8Error is null) return Utf8;
        if (bom)
            throw new InvalidDataException($"文件标明是 UTF-8 编码，但第 {utf8Error} 行有不是 UTF-8 的字节：请在 Excel 中重新“另存为”“CSV UTF-8（逗号分隔）”后再导入。");
        if (FirstInvalidLine(stream, Gb18030, 0) is null) return Gb18030;
        throw new InvalidDataException($"无法识别文件的编码：第 {utf8Error} 行起既不是 UTF-8，也不是 GBK/GB18030。请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再导入。");
    }

    /// <summary>The line (from 1) holding the first byte the encoding cannot decode, or null when every byte decodes.</summary>
    private static long? FirstInvalidLine(Stream stream, Encoding encoding, int skip)
    {
        stream.Position = skip;
        var decoder = encoding.GetDecoder();
        var bytes = new byte[1 << 16];
        var chars = new char[encoding.GetMaxCharCount(bytes.Length)];
        int read;
        try
        {
            while ((read = stream.Read(bytes, 0, bytes.Length)) > 0) decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            decoder.GetChars([], 0, 0, chars, 0, flush: true);
            return null;
        }
        catch (DecoderFallbackException)
        {
            return LineOfFirstInvalid(stream, encoding, skip);
        }
        finally
        {
            stream.Position = 0;
        }
    }

    /// <summary>Slow path, only for a file being refused: decodes line by line (LF-separated; both encodings keep LF a byte of its own) to name the first bad line.</summary>
    private static long LineOfFirstInvalid(Stream stream, Encoding encoding, int skip)
    {
        stream.Position = skip;
        var line = new List<byte>(256);
        long number = 1;
        int b;
        while (true)
        {
            b = stream.ReadByte();
            if (b >= 0 && b != '\n') { line.Add((byte)b); continue; }
            try { encoding.GetString([.. line]); }
            catch (DecoderFallbackException) { return number; }
            if (b < 0) return number;
            line.Clear();
            number++;
        }
    }
}
