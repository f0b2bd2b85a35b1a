using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// The body flood of security issue 16 (item 7), replayed: N connections at once, each announcing a large
/// body (Content-Length) on a signed-looking request from a key that does not exist, then sending the body
/// slowly. The host's resident memory is read from /proc before, during (peak) and after. Raw sockets, so
/// the body goes out at the pace set here whatever the host does.
///   body-flood --url http://127.0.0.1:5095 --pid HOST_PID [--connections 10] [--announce 16777216] [--seconds 20]
/// </summary>
public static class BodyFlood
{
    private const int Piece = 64 * 1024;

    private sealed record Outcome(int Status, long SentWhenAnswered, double SecondsToAnswer, long Sent, string End);

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Bench.Arg(args, "url", "http://127.0.0.1:5095"));
        var pid = int.Parse(Bench.Arg(args, "pid", "0"), CultureInfo.InvariantCulture);
        var connections = int.Parse(Bench.Arg(args, "connections", "10"), CultureInfo.InvariantCulture);
        var announce = long.Parse(Bench.Arg(args, "announce", (16 * 1024 * 1024).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Bench.Arg(args, "seconds", "20"), CultureInfo.InvariantCulture);
        if (pid <= 0 || !File.Exists($"/proc/{pid}/status")) { Console.Error.WriteLine("--pid: the host's process id"); return 2; }
        var pause = TimeSpan.FromSeconds(seconds * Piece / announce);

        // The path the attack takes, compiled and warm before the baseline is read.
        for (var i = 0; i < 20; i++) await AttackAsync(url, 1024, TimeSpan.Zero, Stopwatch.StartNew(), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = Rss(pid);
        var peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid));
                await Task.Delay(100);
            }
        });
        var watch = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds * 2 + 30));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => AttackAsync(url, announce, pause, watch, deadline.Token)));
        var attackSeconds = watch.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(5)); // what the host keeps once the connections are gone
        await stop.CancelAsync();
        await sampler;
        var after = Rss(pid);

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
        }
        var answered = outcomes.Where(o => o.Status > 0).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connections={connections} announced_mib={announce / 1048576.0:F1} send_seconds={seconds:F0} attack_seconds={attackSeconds:F1} " +
            $"rss_before_mib={before / 1024.0:F0} rss_peak_mib={peak / 1024.0:F0} rss_after_mib={after / 1024.0:F0} " +
            $"answered={answered.Length} statuses={string.Join(',', answered.Select(o => o.Status).Distinct().Order())} " +
            $"median_seconds_to_answer={Median(answered.Select(o => o.SecondsToAnswer)):F2} " +
            $"median_mib_sent_before_answer={Median(answered.Select(o => o.SentWhenAnswered / 1048576.0)):F2} " +
            $"median_mib_sent={Median(outcomes.Select(o => o.Sent / 1048576.0)):F2} " +
            $"ends={string.Join(',', outcomes.GroupBy(o => o.End).Select(g => $"{g.Key}:{g.Count()}"))}"));
        return 0;
    }

    /// <summary>Resident set of a process, in KiB (VmRSS of /proc/PID/status).</summary>
    private static long Rss(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>One connection: headers of a fill batch from an unknown key, then the announced body, a piece per pause, on after the answer until the host closes.</summary>
    private static async Task<Outcome> AttackAsync(Uri url, long announce, TimeSpan pause, Stopwatch watch, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(url.Host, url.Port, ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = string.Create(CultureInfo.InvariantCulture,
            $"POST /api/integration/v1/fills HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\nContent-Length: {announce}\r\n" +
            $"X-CT-Key-Id: ck_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}\r\nX-CT-Timestamp: {DateTimeOffset.UtcNow.ToUnixTimeSeconds()}\r\n" +
            $"X-CT-Nonce: {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}\r\nX-CT-Signature: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        long sent = 0, sentWhenAnswered = -1;
        double answeredAt = -1;
        var status = 0;
        var reader = Task.Run(async () =>
        {
            // The status line is all that matters.
            var buffer = new byte[8192];
            var text = new StringBuilder();
            int n;
            while (status == 0 && (n = await stream.ReadAsync(buffer, ct)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
                var line = text.ToString();
                if (!line.Contains("\r\n", StringComparison.Ordinal)) continue;
                sentWhenAnswered = Interlocked.Read(ref sent);
                answeredAt = watch.Elapsed.TotalSeconds;
                status = int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
            }
        }, ct);
        var piece = new byte[Piece];
        Array.Fill(piece, (byte)' ');
        string end;
        try
        {
            while (Interlocked.Read(ref sent) < announce)
            {
                var n = (int)Math.Min(Piece, announce - sent);
                await stream.WriteAsync(piece.AsMemory(0, n), ct);
                Interlocked.Add(ref sent, n);
                if (pause > TimeSpan.Zero) await Task.Delay(pause, ct);
            }
            end = "sent-all";
        }
        catch (IOException) { end = "closed-by-host"; }
        catch (OperationCanceledException) { end = "deadline"; }
        // Kestrel takes a half-closed connection for a closed one (no answer), so the socket stays open until the answer.
        try { await reader.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None); }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or SocketException)
        {
            end += "/no-answer:" + ex.GetType().Name;
        }
        return new Outcome(status, sentWhenAnswered, answeredAt, sent, end);
    }
}
