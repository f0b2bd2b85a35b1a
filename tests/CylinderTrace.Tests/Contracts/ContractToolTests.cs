using System.Diagnostics;
using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Contracts;

/// <summary>
/// The CI gates of the published contracts, run with the npm tools pinned in miniprogram-contracts/package-lock.json
/// (ops/test.sh installs them with `npm ci`): Redocly's recommended ruleset finds no error in either OpenAPI
/// document, the sample Mini Program client compiles with `tsc --strict` against openapi.d.ts, and openapi.d.ts is
/// what openapi-typescript makes of openapi.json today.
/// </summary>
public sealed class The_contract_tools
{
    private static string Folder => ContractFiles.Folder();

    private static (int Exit, string Output) Run(string tool, params string[] args)
    {
        var path = Path.Combine(Folder, "node_modules", ".bin", tool);
        Assert.True(File.Exists(path), $"{path} is missing: run `npm ci` in miniprogram-contracts (ops/test.sh does).");
        var start = new ProcessStartInfo(path) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A hung tool must not hang the suite: five minutes is far beyond any run here.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(entireProcessTree: true); Assert.Fail($"{tool} did not finish"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Theory]
    [InlineData("openapi.json")]
    [InlineData("../docs/integration-openapi.json")]
    public void Redocly_finds_no_error(string document)
    {
        var (exit, output) = Run("redocly", "lint", "--config", "redocly.yaml", "--format", "stylish", document);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void the_sample_client_compiles_strictly_against_the_generated_types()
    {
        var (exit, output) = Run("tsc", "--noEmit", "--strict", "-p", "examples");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void the_checked_in_types_are_generated_from_the_checked_in_document()
    {
        var generated = Path.Combine(Path.GetTempPath(), $"ct-openapi-{Guid.NewGuid():N}.d.ts");
        try
        {
            var (exit, output) = Run("openapi-typescript", "openapi.json", "-o", generated);
            Assert.True(exit == 0, output);
            Assert.True(File.ReadAllText(generated) == File.ReadAllText(Path.Combine(Folder, "openapi.d.ts")),
                "miniprogram-contracts/openapi.d.ts is not what openapi-typescript makes of openapi.json: run ops/update-contracts.sh.");
        }
        finally { File.Delete(generated); }
    }
}

/// <summary>The rules of issue 20 that a generated client depends on, checked on the served Mini Program document.</summary>
[Collection(Collections.Apis)]
public sealed class The_Mini_Program_contract_rules(WebHostFixture fx)
{
    [Fact]
    public async Task every_operation_declares_its_credentials_its_answer_and_its_problems()
    {
        var document = JsonNode.Parse(await fx.Host.CreateClient().GetStringAsync("/openapi/mp.json"))!;
        Assert.Equal("http", document["components"]!["securitySchemes"]!["miniProgramSession"]!["type"]!.GetValue<string>());
        Assert.Equal("https://{host}", document["servers"]![0]!["url"]!.GetValue<string>());
        var faults = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                if (!responses.Any(r => r.Key.StartsWith('2'))) faults.Add($"{method} {path}: no 2xx");
                var security = operation["security"]?.AsArray();
                if (security is null) { faults.Add($"{method} {path}: no security"); continue; }
                var bearer = security.Any(s => s!.AsObject().ContainsKey("miniProgramSession"));
                var personal = path is not ("/api/mp/login" or "/api/mp/cylinders/card" or "/api/mp/complaint-categories");
                if (bearer != personal) faults.Add($"{method} {path}: bearer {bearer}, expected {personal}");
                if (personal && !responses.ContainsKey("401")) faults.Add($"{method} {path}: no 401");
            }
        Assert.True(faults.Count == 0, string.Join("\n", faults));

        var paths = document["paths"]!;
        Assert.Equal("#/components/schemas/CylinderNotRegistered",
            paths["/api/mp/cylinders/card"]!["get"]!["responses"]!["404"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Contains("login-code-invalid", Codes(paths["/api/mp/login"]!["post"]!, "400"));
        Assert.Contains("complaint-not-withdrawable", Codes(paths["/api/mp/complaints/{number}/withdraw"]!["post"]!, "409"));
        Assert.Contains("complaint-not-ratable", Codes(paths["/api/mp/complaints/{number}/rating"]!["post"]!, "409"));
        Assert.Contains("complaint-not-waiting-info", Codes(paths["/api/mp/complaints/{number}/information"]!["post"]!, "409"));

        var schemas = document["components"]!["schemas"]!;
        var problem = schemas["ProblemDetails"]!["properties"]!.AsObject();
        Assert.All(new[] { "code", "errors", "retryAfterSeconds" }, p => Assert.True(problem.ContainsKey(p), p));
        Assert.Equal(["category", "description"], schemas["NewComplaint"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order().ToArray());
        // Numbers are numbers: no "string" alternative a client would have to handle.
        Assert.DoesNotContain("string", schemas["NewComplaint"]!["properties"]!["latitude"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.DoesNotContain("string", schemas["ScanRequest"]!["properties"]!["customerId"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    private static IEnumerable<string> Codes(JsonNode operation, string status) =>
        operation["responses"]![status]!["x-problem-codes"]!.AsArray().Select(c => c!.GetValue<string>());
}
