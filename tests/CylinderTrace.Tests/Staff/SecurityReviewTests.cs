using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.Staff;

/// <summary>What an outside review of the security fixes found (issue 16, second round): each finding's regression test.</summary>
[Collection(Collections.Console)]
public sealed class Security_review_findings(WebHostFixture fx, FakeClockInstance pinned) : IClassFixture<FakeClockInstance>
{
    private readonly ConsoleScenario scenario = new(fx);

    /// <summary>An instance whose clock stands still: limits count in fixed windows, which a test on the real clock may straddle.</summary>
    private CylinderTraceHost Pinned()
    {
        pinned.Now();
        return pinned.For(fx);
    }

    private static async Task<string?> Code(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString();

    [Theory]
    [InlineData("á")]        // an accented letter the collation matches to a
    [InlineData("\u0001")]   // a control character the collation ignores
    [InlineData("\u200b")]   // a zero-width space
    public async Task a_spelling_the_database_would_match_to_the_account_neither_signs_in_nor_escapes_the_username_count(string trick)
    {
        var agency = await scenario.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var http = ConsoleClient.NewHttp(Pinned());
        Task<HttpResponseMessage> TryAsync(string name, string password) => http.PostAsJsonAsync("/api/console/session", new { username = name, password });
        for (var i = 0; i < 5; i++) await TryAsync(username, "Wrong-password-" + i);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryAsync(username, TestData.StaffPassword)).StatusCode);
        // The same account under another spelling: not a username, so never looked up.
        var variant = username[..2] + trick + username[2..];
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync(variant, TestData.StaffPassword)).StatusCode);
        var fullWidth = new string(username.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 'a' + 'ａ') : c).ToArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync(fullWidth, TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task a_flood_from_the_members_address_does_not_lock_out_a_browser_that_signed_in_before_and_a_proxy_chain_is_followed()
    {
        var agency = await scenario.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        await using var host = new CylinderTraceHost(fx.Database.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Console:SignInFailuresPerIp"] = "3", ["Hosting:TrustedProxies"] = "10.7.9.9" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow) }; // one fixed window throughout
        var baseAddress = host.StartOnLoopback().BaseAddress!;
        var member = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = baseAddress };
        var attacker = new HttpClient { BaseAddress = baseAddress };
        Task<HttpResponseMessage> TryAsync(HttpClient client, string from, string name, string password)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/console/session") { Content = JsonContent.Create(new { username = name, password }) };
            request.Headers.Add("X-Forwarded-For", from);
            return client.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(member, "10.7.0.1", username, TestData.StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync("/api/console/session")).StatusCode);
        for (var i = 0; i < 3; i++) await TryAsync(attacker, "10.7.0.1", "guess" + i + TestData.UniqueCode().ToLowerInvariant(), "Wrong-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryAsync(attacker, "10.7.0.1", username, TestData.StaffPassword)).StatusCode);
        // The member's own browser (known-device cookie) still gets in from the flooded address.
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(member, "10.7.0.1", username, TestData.StaffPassword)).StatusCode);

        // Behind a trusted load balancer (10.7.9.9) in front of the local proxy, each client is counted by its own address.
        for (var i = 1; i <= 3; i++) await TryAsync(attacker, $"203.0.113.{i}, 10.7.9.9", "guess" + TestData.UniqueCode().ToLowerInvariant(), "Wrong-password-1");
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(attacker, "198.51.100.77, 10.7.9.9", username, TestData.StaffPassword)).StatusCode);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7")]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData(null, "unknown")]
    public void an_ipv6_client_is_counted_by_its_64(string? address, string bucket) =>
        Assert.Equal(bucket, CylinderTrace.Staff.StaffAccounts.ClientBucket(address));

    [Fact]
    public async Task a_broken_multipart_upload_is_a_400_not_a_500()
    {
        var agency = await scenario.AgencyAsync();
        var inspector = await scenario.MemberAsync(agency.Code, "inspector");
        var resident = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        HttpContent Truncated()
        {
            var content = new StringContent("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff");
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XX");
            return content;
        }
        HttpContent Garbage()
        {
            var content = new StringContent("garbage");
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XX");
            return content;
        }
        foreach (var body in new[] { Truncated(), Garbage() })
        {
            var mp = await resident.Http.PostAsync("/api/mp/photos", body);
            Assert.Equal(HttpStatusCode.BadRequest, mp.StatusCode);
            Assert.Equal("invalid-multipart", await Code(mp));
        }
        foreach (var body in new[] { Truncated(), Garbage() })
        {
            var console = await inspector.Http.PostAsync("/api/console/detention-photos", body);
            Assert.Equal(HttpStatusCode.BadRequest, console.StatusCode);
            Assert.Equal("invalid-multipart", await Code(console));
        }
    }

    [Fact]
    public async Task a_sixteen_bit_photo_is_decoded_and_stored_at_eight_bits()
    {
        using var image = new Image<Rgba64>(64, 48);
        using var png = new MemoryStream();
        image.SaveAsPng(png, new SixLabors.ImageSharp.Formats.Png.PngEncoder { BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 });
        Assert.Equal(16, png.ToArray()[24]); // IHDR bit depth
        var sanitiser = new CylinderTrace.Complaints.Photos.PhotoSanitiser(
            Microsoft.Extensions.Options.Options.Create(new CylinderTrace.Complaints.Photos.PhotoOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CylinderTrace.Complaints.Photos.PhotoSanitiser>.Instance);
        var cleaned = Assert.IsType<CylinderTrace.Complaints.Photos.PhotoSanitiser.Cleaned>(sanitiser.Clean(png.ToArray()));
        Assert.Equal("image/png", cleaned.ContentType);
        Assert.Equal(8, cleaned.Bytes[24]);
    }

    [Fact]
    public async Task framework_errors_carry_a_code_and_a_chinese_message()
    {
        var agency = await scenario.AgencyAsync();
        var member = await scenario.MemberAsync(agency.Code);
        var badQuery = await member.GetAsync("/api/console/complaints?page=abc");
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        var problem = JsonDocument.Parse(await badQuery.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("bad-request", problem.GetProperty("code").GetString());
        Assert.Contains("请求格式不正确", problem.GetProperty("detail").GetString());
        var badJson = await ConsoleClient.NewHttp(fx.Host).PostAsync("/api/console/session", new StringContent("{\"username\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal("bad-request", await Code(badJson));
        var wrongType = await ConsoleClient.NewHttp(fx.Host).PostAsync("/api/console/session", new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal("unsupported-media-type", await Code(wrongType));
        var open311 = await fx.Host.CreateClient().GetAsync("/open311/v2/requests.json?status=foo");
        Assert.Contains("只能是", JsonDocument.Parse(await open311.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task the_jobs_dashboard_answers_a_request_of_the_wrong_shape_with_a_400()
    {
        var city = await scenario.CityAdministratorAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await city.GetAsync("/hangfire/stats")).StatusCode);
    }

    [Fact]
    public async Task a_swarm_that_exhausts_the_binding_allowance_does_not_stop_a_members_first_try()
    {
        await using var host = new CylinderTraceHost(fx.Database.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["OfficialAccount:BindAttemptsTotal"] = "3" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow) }; // one fixed window throughout
        var pusher = new P(host.CreateClient());
        var swarm = Enumerable.Range(0, 2).Select(_ => "oSwarm" + TestData.UniqueCode()).ToList();
        foreach (var openId in swarm)
            for (var i = 0; i < 3; i++) await pusher.PushAndOpenAsync(P.Text(openId, "绑定 000000"));
        Assert.Contains("输错次数过多", (await pusher.PushAndOpenAsync(P.Text(swarm[0], "绑定 000000")))["Content"]);

        var agency = await scenario.AgencyAsync();
        var member = await ConsoleClient.SignInAsync(host, (await fx.Data.StaffAsync(agency.Code)).Username, TestData.StaffPassword);
        var code = (await member.PostOkAsync("/api/console/me/wechat-code")).GetProperty("code").GetString()!;
        Assert.Contains("绑定成功", (await pusher.PushAndOpenAsync(P.Text("oMember" + TestData.UniqueCode(), $"绑定 {code}")))["Content"]);
    }

    [Fact]
    public async Task a_member_gets_at_most_ten_binding_codes_an_hour()
    {
        var agency = await scenario.AgencyAsync();
        var member = await ConsoleClient.SignInAsync(Pinned(), (await fx.Data.StaffAsync(agency.Code)).Username, TestData.StaffPassword);
        var codes = new HashSet<string>();
        for (var i = 0; i < 10; i++) codes.Add((await member.PostOkAsync("/api/console/me/wechat-code")).GetProperty("code").GetString()!);
        Assert.Equal(10, codes.Count);
        var eleventh = await member.PostAsync("/api/console/me/wechat-code");
        Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
    }
}
