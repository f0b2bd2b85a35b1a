using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using MySqlConnector;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// The photo of the outside review of security issue 16, replayed: a small PNG (about 300 KB) that declares a 16-bit
/// RGBA image just under the pixel limit (6300 × 6300), uploaded by several residents at once through the Mini Program
/// API. The host's resident memory is read from /proc before, at its peak during, and after.
///   photo-flood --url http://127.0.0.1:5096 --pid HOST_PID [--uploads 3] [--side 6300]
/// </summary>
public static class PhotoFlood
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Bench.Arg(args, "url", "http://127.0.0.1:5096"));
        var pid = int.Parse(Bench.Arg(args, "pid", "0"), CultureInfo.InvariantCulture);
        var uploads = int.Parse(Bench.Arg(args, "uploads", "3"), CultureInfo.InvariantCulture);
        var side = int.Parse(Bench.Arg(args, "side", "6300"), CultureInfo.InvariantCulture);
        if (pid <= 0 || !File.Exists($"/proc/{pid}/status")) { Console.Error.WriteLine("--pid: the host's process id"); return 2; }
        var png = SixteenBitPng(side, side);
        await using var conn = new MySqlConnection(Environment.GetEnvironmentVariable("Database__ConnectionString"));
        await conn.OpenAsync();
        var users = await BenchUsers.CreateAsync(conn, "oPhotoFlood" + Environment.ProcessId + "_", uploads);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };

        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = Rss(pid, "VmRSS");
        var peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid, "VmRSS"));
                await Task.Delay(50);
            }
        });
        var watch = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(users.Select(async u =>
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(png);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "file", "bomb.png");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/mp/photos") { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", u.Token);
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }));
        var took = watch.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await sampler;
        var after = Rss(pid, "VmRSS");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"photo-flood: {uploads} uploads of a {png.Length / 1024} KB 16-bit {side}x{side} PNG, answers {string.Join(' ', statuses)} in {took:0.0} s; " +
            $"host RSS before {before / 1024} MiB, peak {peak / 1024} MiB (+{(peak - before) / 1024} MiB), 3 s after {after / 1024} MiB"));
        return 0;
    }

    /// <summary>A valid PNG of the given size, 16-bit RGBA, all pixels zero: a few hundred kilobytes once deflated.</summary>
    private static byte[] SixteenBitPng(int width, int height)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 16; // bit depth
        ihdr[9] = 6;  // RGBA
        Chunk(file, "IHDR", ihdr);
        using (var deflated = new MemoryStream())
        {
            using (var z = new ZLibStream(deflated, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[1 + width * 8]; // filter byte 0, then the row
                for (var y = 0; y < height; y++) z.Write(row);
            }
            Chunk(file, "IDAT", deflated.ToArray());
        }
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        s.Write(length);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        s.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typed));
        s.Write(crc);
    }

    /// <summary>A memory figure of the process in KiB, from /proc/PID/status.</summary>
    private static long Rss(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return 0;
    }
}
