using System.Diagnostics;
using System.Globalization;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// The request loop of the HTTP load generators: N workers, closed loop for the peak (each sends
/// again as soon as it has an answer), or paced for a rate (each sends rate/N a second, waiting out
/// the rest of its interval after each answer and never bursting to catch up, as wrk's per-connection
/// delay). Reports requests, errors, rate and latency percentiles on one line.
/// </summary>
public static class LoadLoop
{
    /// <param name="send">Sends one request; true when the answer was the expected one.</param>
    public static async Task<string> RunAsync(int workers, int seconds, double rate, Func<Task<bool>> send)
    {
        var latencies = Enumerable.Range(0, workers).Select(_ => new List<double>(1 << 16)).ToArray();
        long ok = 0, errors = 0;
        var stop = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(seconds);
        var interval = rate > 0 ? TimeSpan.FromSeconds(workers / rate) : TimeSpan.Zero;

        async Task OnceAsync(List<double> sink)
        {
            var started = Stopwatch.GetTimestamp();
            bool good;
            try { good = await send(); }
            catch (Exception) { good = false; }
            if (good) Interlocked.Increment(ref ok);
            else Interlocked.Increment(ref errors);
            sink.Add((Stopwatch.GetTimestamp() - started) * 1000.0 / Stopwatch.Frequency);
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            if (rate > 0) await Task.Delay(TimeSpan.FromTicks(interval.Ticks * w / workers));
            var next = stop.Elapsed;
            while (stop.Elapsed < duration)
            {
                await OnceAsync(latencies[w]);
                if (rate <= 0) continue;
                next += interval;
                var wait = next - stop.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
                else next = stop.Elapsed;
            }
        })));
        var elapsed = stop.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).OrderBy(x => x).ToArray();
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        return string.Create(CultureInfo.InvariantCulture,
            $"requests={ok + errors} ok={ok} errors={errors} seconds={elapsed:F1} rps={(ok + errors) / elapsed:F0} p50_ms={P(0.50):F2} p90_ms={P(0.90):F2} p99_ms={P(0.99):F2} max_ms={P(1.0):F2}");
    }
}
