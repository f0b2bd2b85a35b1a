using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Tests.Platform;

[Collection(Collections.Apis)]
public sealed class The_host_reports_its_health(WebHostFixture fx)
{
    [Fact]
    public async Task live_and_ready_with_each_dependency()
    {
        var client = fx.Host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("mariadb").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }

    [Fact]
    public async Task and_unknown_routes_are_problem_details_too()
    {
        var response = await fx.Host.CreateClient().GetAsync("/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class The_host_refuses_to_start_with_bad_settings
{
    /// <summary>
    /// Builds the real service container with one bad setting and runs the start-up validation that
    /// the host runs before it serves (ValidateOnStart), so the failure is the settings' and nothing else's.
    /// </summary>
    private static Exception? StartWith(Dictionary<string, string?> overrides)
    {
        var builder = WebApplication.CreateBuilder();
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = "Server=127.0.0.1;Port=1;Database=none;User ID=x;Password=y",
            ["Redis:Configuration"] = "127.0.0.1:1,abortConnect=false",
            ["Privacy:EncryptionKey"] = CylinderTraceHost.EncryptionKey,
            ["Privacy:HashKey"] = CylinderTraceHost.HashKey,
            ["DataProtection:KeyEncryptionKey"] = CylinderTraceHost.KeyEncryptionKey,
            ["OfficialAccount:AppId"] = CylinderTraceHost.OaAppId,
            ["OfficialAccount:AppSecret"] = "s",
            ["OfficialAccount:Token"] = CylinderTraceHost.OaToken,
            ["OfficialAccount:EncodingAesKey"] = CylinderTraceHost.OaAesKey,
            ["MiniProgram:AppId"] = CylinderTraceHost.MpAppId,
            ["MiniProgram:AppSecret"] = "s",
        };
        foreach (var (k, v) in overrides) settings[k] = v;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddApplicationServices();
        using var app = builder.Build();
        return Record.Exception(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
    }

    private static string AllMessages(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
            if (e is AggregateException agg) parts.AddRange(agg.InnerExceptions.Select(i => i.Message));
        }
        return string.Join(" | ", parts);
    }

    [Fact]
    public void but_starts_with_good_ones() => Assert.Null(StartWith([]));

    [Theory]
    [InlineData("Database:ConnectionString", "")]
    [InlineData("Redis:Configuration", "")]
    [InlineData("Privacy:EncryptionKey", "")]
    [InlineData("Privacy:EncryptionKey", "not base64!")]
    [InlineData("Privacy:EncryptionKey", "AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("Privacy:HashKey", "")]
    [InlineData("DataProtection:KeyEncryptionKey", "")]
    [InlineData("DataProtection:KeyEncryptionKey", "not base64!")]
    [InlineData("DataProtection:KeyEncryptionKey", "AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("DataProtection:PreviousKeyEncryptionKeys:0", "AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("Redis:KeyPrefix", "Bad Prefix")]
    [InlineData("CylinderRules:InspectionIntervalYears", "0")]
    [InlineData("CylinderRules:InspectionPeriods:YSP118", "0")]
    [InlineData("CylinderRules:DesignLifeYears", "20")]
    [InlineData("OfficialAccount:EncodingAesKey", "short")]
    [InlineData("MiniProgram:AppId", "")]
    [InlineData("Hosting:Roles", "everything")]
    public void naming_the_setting(string key, string value)
    {
        var ex = StartWith(new() { [key] = value });
        Assert.NotNull(ex);
        Assert.Contains(key, AllMessages(ex));
    }
}

public sealed class When_the_database_cannot_be_reached
{
    [Fact]
    public async Task a_card_lookup_is_a_503_problem_with_retry_after_not_a_500()
    {
        await using var host = new CylinderTraceHost(
            "Server=127.0.0.1;Port=1;Database=none;User ID=x;Password=y;Connection Timeout=2", CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Database:MigrateOnStart"] = "false" });
        var response = await host.CreateClient().GetAsync("/api/cylinders/FZ0000000001/card");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.Contains("service-unavailable", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Hosting roles: a worker-only instance runs jobs and answers its health checks, nothing else.</summary>
[Collection(Collections.Complaints)]
public sealed class A_worker_only_instance(WorkerHostFixture fx)
{
    [Fact]
    public async Task answers_health_but_no_api()
    {
        var cylinder = await fx.Data.CylinderAsync();
        await using var worker = fx.AnotherInstance(new Dictionary<string, string?> { ["Hosting:Roles"] = "worker" });
        var client = worker.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync($"/api/cylinders/{cylinder.Code}/card")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/console/login")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card")).StatusCode);
    }
}
