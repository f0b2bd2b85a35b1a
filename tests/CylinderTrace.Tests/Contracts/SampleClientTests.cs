using System.Diagnostics;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Contracts;

/// <summary>
/// The sample signing clients of docs/INTEGRATION.md (samples/IntegrationClient in C#, samples/python with the standard
/// library) run against a host on a loopback port: they register a cylinder, ask the fill check and report the fill,
/// and what they sent is stored; with a sandbox key the same run is answered and nothing is stored.
/// </summary>
[Collection(Collections.Integration)]
public sealed class The_sample_integration_clients(WebHostFixture fx)
{
    private static string Root => Path.GetFullPath(Path.Combine(ContractFiles.Folder(), ".."));

    private static (int Exit, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A hung tool must not hang the suite: five minutes is far beyond any run here.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(entireProcessTree: true); Assert.Fail($"{file} did not finish"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The C# sample as the solution build left it (ops/test.sh builds the solution); built here when a filtered run did not.</summary>
    private static string CSharpSample()
    {
        var dll = Path.Combine(Root, "samples", "IntegrationClient", "bin", "Release", "net10.0", "IntegrationClient.dll");
        if (!File.Exists(dll))
        {
            var (exit, output) = Run("dotnet", "build", "samples/IntegrationClient", "-c", "Release", "-nologo", "-v", "q");
            Assert.True(exit == 0, output);
        }
        return dll;
    }

    private async Task<(IntegrationClient Client, string Base)> KeyAsync(bool sandbox)
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner), sandbox);
        return (client, fx.OnLoopback().BaseAddress!.ToString());
    }

    private async Task<(long Cylinders, long Fills)> StoredAsync(string code)
    {
        await using var conn = await fx.Database.OpenAsync();
        return (await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cylinders WHERE code = @code", new { code }),
            await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @code", new { code }));
    }

    [Theory]
    [InlineData("csharp")]
    [InlineData("python")]
    public async Task signs_requests_the_host_accepts_and_stores(string language)
    {
        var (key, baseAddress) = await KeyAsync(sandbox: false);
        var code = TestData.UniqueCode();
        string[] arguments = ["--base", baseAddress, "--key", key.KeyId, "--secret", key.SecretBase64, "--code", code];
        var (exit, output) = language == "csharp" ? Run("dotnet", [CSharpSample(), .. arguments]) : Run("python3", ["samples/python/integration_client.py", .. arguments]);
        Assert.True(exit == 0, output);
        Assert.Contains("\"allowed\":true", output.Replace(" ", ""));
        Assert.Equal((1, 1), await StoredAsync(code));
    }

    [Fact]
    public async Task with_a_sandbox_key_the_same_run_is_answered_and_stores_nothing()
    {
        var (key, baseAddress) = await KeyAsync(sandbox: true);
        var code = TestData.UniqueCode();
        var (exit, output) = Run("python3", "samples/python/integration_client.py", "--base", baseAddress, "--key", key.KeyId, "--secret", key.SecretBase64, "--code", code);
        // The fill check finds no such cylinder (its registration was rolled back), so the sample stops as a filling line would.
        Assert.Contains("sandbox key: checked and answered, not stored", output);
        Assert.Contains("\"sandbox\": true", output);
        Assert.Equal(1, exit);
        Assert.Equal((0, 0), await StoredAsync(code));
    }
}
