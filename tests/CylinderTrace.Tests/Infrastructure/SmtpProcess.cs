using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// A real SMTP server of a test's own: Debian's aiosmtpd (python3-aiosmtpd, installed by ops/smtp-up.sh,
/// which ops/test.sh runs) on a free loopback port, saving every message it accepts into a Maildir that
/// the test reads back and parses.
/// </summary>
public sealed class SmtpProcess : IAsyncDisposable
{
    private Process? _process;
    public string Maildir { get; } = Directory.CreateTempSubdirectory("ct-smtp-").FullName;
    public int Port { get; } = RedisProcess.FreePort();

    /// <summary>Debian's python has aiosmtpd; another python on PATH (pyenv) may not. CT_SMTP_PYTHON overrides.</summary>
    private static string Python() =>
        Environment.GetEnvironmentVariable("CT_SMTP_PYTHON") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
        : throw new InvalidOperationException("python3 with aiosmtpd not found: run ops/smtp-up.sh");

    public async Task StartAsync()
    {
        // Python's Maildir makes its sub-folders only for a folder it creates itself.
        foreach (var sub in new[] { "tmp", "new", "cur" }) Directory.CreateDirectory(Path.Combine(Maildir, sub));
        _process = Process.Start(new ProcessStartInfo(Python(), $"-m aiosmtpd -n -c aiosmtpd.handlers.Mailbox {Maildir} -l 127.0.0.1:{Port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var process = _process;
        await Eventually.HoldsAsync(async () =>
        {
            if (process.HasExited)
                throw new InvalidOperationException("aiosmtpd did not start (is python3-aiosmtpd installed? ops/smtp-up.sh): " + await process.StandardError.ReadToEndAsync());
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException) { return false; }
        }, $"aiosmtpd to listen on port {Port}", TimeSpan.FromSeconds(10));
    }

    /// <summary>The messages received so far (Maildir new/ and cur/), as files.</summary>
    public IReadOnlyList<string> Messages() =>
        new[] { "new", "cur" }.Select(d => Path.Combine(Maildir, d)).Where(Directory.Exists).SelectMany(Directory.GetFiles).Order().ToList();

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(Maildir, recursive: true); } catch (IOException) { }
    }
}
