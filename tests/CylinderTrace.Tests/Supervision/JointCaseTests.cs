using System.Net;
using System.Text.Json;
using CylinderTrace.Cylinders;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Supervision;

/// <summary>Joint enforcement cases (issue 18 item 5): one case file shared by agencies, one timeline, and a referral to the police with its outcome.</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Joint_cases(WorkerHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private async Task<ConsoleClient> StaffAsync(string agencyCode, string role) =>
        await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agencyCode, role)).Username, TestData.StaffPassword);

    /// <summary>A black-gas lead scanned in Gulou, held by a Gulou market bureau, shared with a gas authority.</summary>
    private async Task<(string Code, (int Id, string Code) Market, (int Id, string Code) Gas, ConsoleClient Lead)> LeadAsync()
    {
        var code = NewCode();
        var recorder = fx.Host.Services.GetRequiredService<UnregisteredScans>();
        await recorder.RecordAsync(new UnregisteredScan(code, ScanChannel.OfficialAccount, DateTime.UtcNow, DistrictCode: "350102", Scanner: "oa:x"), CancellationToken.None);
        await recorder.FlushedAsync();
        var market = await fx.Data.AgencyAsync("market_supervision", "350102");
        var gas = await fx.Data.AgencyAsync("gas_authority", "350102");
        return (code, market, gas, await StaffAsync(market.Code, "inspector"));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(ConsoleClient client, string path, object body)
    {
        var response = await client.PostAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    [Fact]
    public async Task agencies_work_one_case_file_in_one_timeline_and_record_the_police_referral_and_its_outcome()
    {
        var (code, market, gas, lead) = await LeadAsync();
        var (status, opened) = await PostAsync(lead, "/api/console/joint-cases",
            new { sourceKind = "black_gas", sourceRef = code, title = "无证经营瓶装液化气（黑气）联合查处", agencies = new[] { gas.Code, "police-350102" }, summary = "居民扫到未登记气瓶码" });
        Assert.True(status == HttpStatusCode.Created, opened.ToString());
        var number = opened.GetProperty("number").GetString()!;
        Assert.StartsWith("LH", number);
        Assert.Equal(3, opened.GetProperty("agencies").GetArrayLength());
        // One case per source.
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(lead, "/api/console/joint-cases",
            new { sourceKind = "black_gas", sourceRef = code, title = "重复发起的案件", agencies = new[] { gas.Code } })).Status);

        // The gas authority sees it and records its action; it may not refer to the police or close (the lead agency does).
        var partner = await StaffAsync(gas.Code, "handler");
        Assert.Contains((await partner.GetJsonAsync("/api/console/joint-cases")).EnumerateArray(), c => c.GetProperty("number").GetString() == number);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(partner, $"/api/console/joint-cases/{number}/actions", new { text = "已约谈辖区供气企业，排查配送车辆" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(partner, $"/api/console/joint-cases/{number}/referrals", new { policeUnit = "福州市公安局鼓楼区分局", reason = "涉嫌非法经营" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(partner, $"/api/console/joint-cases/{number}/close", new { conclusion = "由协办单位结案" })).Status);
        // An administrator of the lead agency reads, but does not act.
        var admin = await StaffAsync(market.Code, "administrator");
        Assert.Equal(number, (await admin.GetJsonAsync($"/api/console/joint-cases/{number}")).GetProperty("number").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(admin, $"/api/console/joint-cases/{number}/actions", new { text = "管理员记录" })).Status);

        // The lead refers it to the police (行刑衔接) and records the answer.
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals", new { policeUnit = "", reason = "" })).Status);
        var (_, referred) = await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals", new { policeUnit = "福州市公安局鼓楼区分局", reason = "涉嫌非法经营罪，查扣黑气瓶十余个" });
        var referral = referred.GetProperty("referrals")[0];
        Assert.Equal("referred", referral.GetProperty("status").GetString());
        var referralId = referral.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals/{referralId}/outcome", new { status = "maybe", text = "x" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals/{referralId}/outcome", new { status = "accepted", text = "鼓公（经）立字〔2026〕123号" })).Status);
        var (_, concluded) = await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals/{referralId}/outcome", new { status = "concluded", text = "已移送检察机关审查起诉" });
        Assert.Equal("concluded", concluded.GetProperty("referrals")[0].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(lead, $"/api/console/joint-cases/{number}/referrals/{referralId}/outcome", new { status = "declined", text = "改判" })).Status);

        var (_, closed) = await PostAsync(lead, $"/api/console/joint-cases/{number}/close", new { conclusion = "黑气窝点已取缔，涉案人员移送司法" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(partner, $"/api/console/joint-cases/{number}/actions", new { text = "结案后补记" })).Status);
        // One timeline, every agency's steps in order.
        var timeline = closed.GetProperty("timeline").EnumerateArray().Select(s => (s.GetProperty("kind").GetString(), s.GetProperty("agency").GetString())).ToList();
        Assert.Equal(["opened", "shared", "shared", "action", "referred", "referral_accepted", "referral_concluded", "closed"], timeline.Select(t => t.Item1).ToArray());
        Assert.Contains(timeline, t => t.Item1 == "action" && t.Item2 != timeline[0].Item2);
        var page = await (await partner.GetAsync($"/console/joint-cases/{number}")).Content.ReadAsStringAsync();
        Assert.Contains("移送公安机关", page);
        Assert.Contains("公安机关已办结", page);
    }

    [Fact]
    public async Task a_case_is_opened_only_for_what_the_agency_holds()
    {
        var (_, _, gas, lead) = await LeadAsync();
        var elsewhere = NewCode();
        var recorder = fx.Host.Services.GetRequiredService<UnregisteredScans>();
        await recorder.RecordAsync(new UnregisteredScan(elsewhere, ScanChannel.OfficialAccount, DateTime.UtcNow, DistrictCode: "350104"), CancellationToken.None);
        await recorder.FlushedAsync();
        var (status, body) = await PostAsync(lead, "/api/console/joint-cases", new { sourceKind = "black_gas", sourceRef = elsewhere, title = "别区的线索", agencies = new[] { gas.Code } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("sourceRef", out _));
        (status, body) = await PostAsync(lead, "/api/console/joint-cases", new { sourceKind = "complaint", sourceRef = "TS20260101-000001", title = "别人的投诉", agencies = new[] { gas.Code } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, body) = await PostAsync(lead, "/api/console/joint-cases", new { sourceKind = "black_gas", sourceRef = NewCode(), title = "没有单位", agencies = new[] { "no-such-agency" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    /// <summary>Every console route that names a joint case: an agency that does not take part (any role) gets 404 and changes nothing.</summary>
    [Fact]
    public async Task every_joint_case_route_answers_404_to_an_agency_that_does_not_take_part()
    {
        var (code, _, gas, lead) = await LeadAsync();
        var (_, opened) = await PostAsync(lead, "/api/console/joint-cases", new { sourceKind = "black_gas", sourceRef = code, title = "联合查处黑气", agencies = new[] { gas.Code } });
        var number = opened.GetProperty("number").GetString()!;
        var routes = fx.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.Contains("{jointCase}"))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 10, $"expected the joint-case routes (API and pages), found {routes.Count}");
        var outsider = await fx.Data.AgencyAsync("market_supervision", "350102");
        foreach (var role in new[] { "handler", "supervisor", "inspector", "administrator" })
        {
            var stranger = await StaffAsync(outsider.Code, role);
            var token = await stranger.FormTokenAsync();
            foreach (var (method, pattern) in routes)
            {
                var path = System.Text.RegularExpressions.Regex.Replace(pattern.Replace("{jointCase}", number), @"\{referral[^}]*\}", "1");
                var fields = new Dictionary<string, string> { ["text"] = "外单位记录", ["policeUnit"] = "某公安分局", ["reason"] = "涉嫌非法经营", ["status"] = "accepted", ["conclusion"] = "外单位结案" };
                var response = method == "GET" ? await stranger.GetAsync(path)
                    : path.StartsWith("/api/") ? await stranger.PostAsync(path, fields) : await stranger.PostFormAsync(path, token, fields);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{role} of another agency: {method} {path} → {(int)response.StatusCode}");
            }
        }
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(("open", 2), (await conn.ExecuteScalarAsync<string>("SELECT status FROM joint_cases WHERE number = @number", new { number }),
            await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM joint_case_events e JOIN joint_cases j ON j.id = e.case_id WHERE j.number = @number", new { number })));
    }
}
