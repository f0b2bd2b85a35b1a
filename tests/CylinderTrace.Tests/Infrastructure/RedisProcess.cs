using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// A Redis server of a test's own (the same redis-server binary ops/services-up.sh installs), on a free
/// loopback port, that the test can stop and start again, to show what the host does while Redis is
/// away without disturbing the shared Redis of the other tests.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly string _folder = Directory.CreateTempSubdirectory("ct-redis-").FullName;
    public int Port { get; } = FreePort();
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000,abortConnect=false,connectRetry=1";

    /// <summary>A loopback port nothing listens on now (for the test's own servers).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Binary() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server not found (ops/services-up.sh installs it)");

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Binary(), $"--port {Port} --bind 127.0.0.1 --dir {_folder} --save \"\" --appendonly yes --appendfsync always --protected-mode yes")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.HoldsAsync(PingAsync, $"redis-server on port {Port} to answer", TimeSpan.FromSeconds(10));
    }

    /// <summary>Kills the server, as a crash would; its append-only file (fsync always) keeps what it acknowledged, as ops/services-up.sh configures.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var n = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
        catch (IOException) { return false; }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
