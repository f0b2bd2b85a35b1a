using System.Net;
using System.Net.Http.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Time.Testing;

namespace CylinderTrace.Tests.Staff;

/// <summary>
/// Console sessions end on the server (security issue 16, item 5): signing out revokes the session, so a copied cookie
/// stops working, and a session ends a fixed time after sign-in however active.
/// </summary>
[Collection(Collections.Console)]
public sealed class Console_sessions_end_on_the_server(WebHostFixture fx)
{
    private static string SessionCookie(HttpResponseMessage signIn) =>
        signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console=", StringComparison.Ordinal)).Split(';')[0];

    private HttpClient WithCookie(string cookie)
    {
        var client = fx.Host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    [Fact]
    public async Task signing_out_through_the_api_ends_every_copy_of_the_cookie()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var browser = ConsoleClient.NewHttp(fx.Host);
        var signIn = await browser.PostAsJsonAsync("/api/console/session", new { username, password = TestData.StaffPassword });
        var copy = WithCookie(SessionCookie(signIn));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/console/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync("/api/console/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/console/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await copy.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task signing_out_through_the_page_ends_every_copy_of_the_cookie_and_leaves_other_sessions_open()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var laptop = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        var phone = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        var signIn = await ConsoleClient.NewHttp(fx.Host).PostAsJsonAsync("/api/console/session", new { username, password = TestData.StaffPassword });
        var copiedCookie = SessionCookie(signIn);
        var thief = WithCookie(copiedCookie);
        // The browser the cookie was copied from signs out through the page's form (with the form token's cookie).
        var page = await WithCookie(copiedCookie).GetAsync("/console/account");
        var formCookies = page.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]).ToList() : [];
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var logout = new HttpRequestMessage(HttpMethod.Post, "/console/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        logout.Headers.Add("Cookie", string.Join("; ", formCookies.Prepend(copiedCookie)));
        var loggedOut = await fx.Host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false })
            .SendAsync(logout);
        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        Assert.Equal("/console/login", loggedOut.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/console/me")).StatusCode);
        // Only that session ended: the member's other browsers stay signed in.
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/api/console/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/api/console/me")).StatusCode);
    }

    [Fact]
    public async Task a_session_ends_after_its_absolute_lifetime_however_active()
    {
        var agency = await fx.Data.AgencyAsync();
        var (id, username) = await fx.Data.StaffAsync(agency.Code);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new CylinderTraceHost(fx.Database.ConnectionString, fx.RedisPrefix)
        {
            WeChatBaseAddress = fx.WeChat.Url + "/", TestServices = s => s.AddSingleton<TimeProvider>(clock),
        };
        var member = await ConsoleClient.SignInAsync(host, username, TestData.StaffPassword);
        await using (var conn = await fx.Database.OpenAsync())
        {
            var hours = await conn.ExecuteScalarAsync<double>(
                "SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) / 3600 FROM staff_sessions WHERE staff_id = @id", new { id });
            Assert.Equal(12, hours, 3);
        }
        // Active all along: within the idle limit (8 h) at every request ...
        clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/console/me")).StatusCode);
        clock.Advance(TimeSpan.FromHours(4.9));
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/console/me")).StatusCode);
        // ... and still over at 12 h.
        clock.Advance(TimeSpan.FromHours(0.2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync("/api/console/me")).StatusCode);
    }

    [Fact]
    public async Task the_database_holds_only_a_hash_of_the_session_token()
    {
        var agency = await fx.Data.AgencyAsync();
        var (id, username) = await fx.Data.StaffAsync(agency.Code);
        await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        await using var conn = await fx.Database.OpenAsync();
        var lengths = (await conn.QueryAsync<int>("SELECT LENGTH(id) FROM staff_sessions WHERE staff_id = @id", new { id })).ToList();
        Assert.Equal([32], lengths);
    }
}

/// <summary>Sign-in from many addresses: each client address has its own allowance of failures (security issue 16, item 6).</summary>
[Collection(Collections.Console)]
public sealed class Sign_in_throttling_per_address(WebHostFixture fx)
{
    [Fact]
    public async Task an_address_with_too_many_failures_is_throttled_whatever_the_username_and_others_are_not()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        // Kestrel on loopback, where X-Forwarded-For is believed (the host trusts loopback proxies, as behind nginx).
        await using var host = new CylinderTraceHost(fx.Database.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Console:SignInFailuresPerIp"] = "3" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Clock = new FakeTimeProvider(DateTimeOffset.UtcNow) }; // one fixed window throughout
        using var http = host.StartOnLoopback();
        Task<HttpResponseMessage> TryAsync(string from, string name, string password)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/console/session") { Content = JsonContent.Create(new { username = name, password }) };
            request.Headers.Add("X-Forwarded-For", from);
            return http.SendAsync(request);
        }
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync("203.0.113.7", "guess-" + i + TestData.UniqueCode(), "Wrong-password-1")).StatusCode);
        var blocked = await TryAsync("203.0.113.7", username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, (await TryAsync("203.0.113.8", username, TestData.StaffPassword)).StatusCode);
    }
}

/// <summary>Form posts, redirects and errors of the console pages (security issue 16, items 9, 12 and 13).</summary>
[Collection(Collections.Console)]
public sealed class Console_forms_and_redirects(WebHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    [Fact]
    public async Task every_page_form_post_without_its_token_is_refused_and_changes_nothing()
    {
        var agency = await scenario.AgencyAsync();
        var (targetId, target) = await fx.Data.StaffAsync(agency.Code);
        var city = await scenario.CityAdministratorAsync();
        // The test district in a corner of Fuzhou's box where no test files complaints (as the routing-rule tests use it).
        const string district = "359901";
        await using (var conn = await fx.Database.OpenAsync())
        {
            await conn.ExecuteAsync("INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES ('359901', '测试区', 'district', '350100', 26.790000, 118.310000)");
            await conn.ExecuteAsync("UPDATE staff SET wechat_openid = 'oBound-af' WHERE username = @u", new { u = city.Username });
        }
        var rule = await city.Http.PutAsJsonAsync("/api/console/routing-rules", new { category = "short_weight", district, agency = agency.Code, deadlineHours = 24, informs = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, rule.StatusCode);
        var ruleId = System.Text.Json.JsonDocument.Parse(await rule.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();

        var posts = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/console") && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => e.RoutePattern.RawText!).ToList();
        Assert.True(posts.Count >= 14, $"expected the console's form posts, found {posts.Count}");
        foreach (var pattern in posts)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{state[^}]*\}\}?", "disable");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{id[^}]*\}", pattern.Contains("routing-rules") ? ruleId.ToString() : targetId.ToString());
            path = path.Replace("{number}", "TS20260101-000001").Replace("{action}", "claim").Replace("{code}", "FZ0000000001").Replace("{order}", "KP20260101-0001")
                .Replace("{violation}", "WG2026010100001")
                .Replace("{jointCase}", "LH20260101-0001").Replace("{referral:long}", "1")
                .Replace("{plan:long}", "1").Replace("{enterpriseId:int}", "1").Replace("{review:long}", "1");
            var response = await city.Http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "x" }));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {path} without a form token → {(int)response.StatusCode}");
        }
        // Nothing changed: the member keeps its password and is enabled, the rule exists, the city administrator is still bound and signed in.
        await ConsoleClient.SignInAsync(fx.Host, target, TestData.StaffPassword);
        await using (var conn = await fx.Database.OpenAsync())
        {
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE id = @ruleId", new { ruleId }));
            Assert.Equal("oBound-af", await conn.ExecuteScalarAsync<string>("SELECT wechat_openid FROM staff WHERE username = @u", new { u = city.Username }));
        }
        Assert.Equal(HttpStatusCode.OK, (await city.GetAsync("/api/console/me")).StatusCode);
    }

    /// <summary>
    /// Every console route, API and page, from the host's route table, refuses a caller who has not signed in: the API with 401, a page
    /// by sending to the sign-in page, a form post without its token with 400. Only signing in (and the stylesheet) is open, named here,
    /// so a new route mapped outside the authenticated groups fails this test.
    /// </summary>
    [Fact]
    public async Task every_console_route_refuses_a_caller_who_has_not_signed_in()
    {
        var endpoints = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/console") || p.StartsWith("/api/console")))
            .ToList();
        var open = endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is null)
            .Select(e => e.RoutePattern.RawText!).Distinct().Order().ToList();
        Assert.Equal(["/api/console/session", "/console/console.css", "/console/login"], open);
        var routes = endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 100, $"expected the console's routes, found {routes.Count}");
        // Among them every route issue 18 added: black-gas leads and seizures, joint cases, plans, licence reviews, licences.
        foreach (var added in new[] { "/api/console/unregistered-scans", "/console/black-gas", "/console/black-gas/detentions/{order}", "/console/black-gas/detentions/{order}/photos/{sha}", "/api/console/joint-cases",
                     "/api/console/inspection-plans", "/console/licence-reviews", "/api/console/enterprises/{enterpriseId:int}/licences/{kind}" })
            Assert.Contains(routes, r => r.Pattern == added);
        var anonymous = ConsoleClient.NewHttp(fx.Host);
        foreach (var (method, pattern) in routes)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{state[^}]*\}\}?", "disable");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{([a-zA-Z]+)(:[a-z]+)?\}", m => m.Groups[2].Value is ":int" or ":long" ? "1" : "x1");
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method != "GET")
                request.Content = pattern.StartsWith("/api/") ? JsonContent.Create(new { text = "x" })
                    : new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "x" });
            var response = await anonymous.SendAsync(request);
            var status = (int)response.StatusCode;
            var refused = pattern.StartsWith("/api/") ? status == 401
                : method == "GET" ? status == 302 && response.Headers.Location!.OriginalString.Contains("/console/login")
                : status is 302 or 400 or 401;
            Assert.True(refused, $"{method} {path} without signing in → {status} {response.Headers.Location}");
        }
    }

    [Fact]
    public async Task the_form_token_cookie_is_secure_behind_a_proxy_that_says_https()
    {
        using var http = fx.OnLoopback();
        async Task<string> CookieAsync(string? proto)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/console/login");
            if (proto is not null) request.Headers.Add("X-Forwarded-Proto", proto);
            var response = await http.SendAsync(request);
            return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console_af=", StringComparison.Ordinal));
        }
        var secure = await CookieAsync("https");
        Assert.Contains("secure", secure, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", secure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", await CookieAsync(null), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/console\r\nSet-Cookie: planted=1", "/console")]
    [InlineData("/console/complaints/投诉", "/console/complaints/%E6%8A%95%E8%AF%89")]
    [InlineData("/console/\\\\evil.example", "/console")]
    [InlineData("//evil.example/console", "/console")]
    [InlineData("/console/../hangfire", "/console")]
    [InlineData("/console?state=overdue&page=2", "/console?state=overdue&page=2")]
    public async Task after_sign_in_only_a_local_console_path_is_followed(string returnUrl, string expected)
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var http = ConsoleClient.NewHttp(fx.Host);
        var page = await http.GetAsync("/console/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = TestData.StaffPassword, ["returnUrl"] = returnUrl, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(expected, signedIn.Headers.Location!.OriginalString);
        Assert.False(signedIn.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("planted", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task an_unreadable_request_is_a_400_even_in_the_development_environment()
    {
        await using var host = new CylinderTraceHost(fx.Database.ConnectionString, fx.RedisPrefix) { WeChatBaseAddress = fx.WeChat.Url + "/", EnvironmentName = "Development" };
        var http = host.CreateClient();
        var response = await http.PostAsync("/api/console/session", new StringContent("{\"username\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", body); // no stack trace
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var form = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
    }

    [Fact]
    public void the_demo_script_does_not_run_the_development_environment()
    {
        var script = File.ReadAllText(Path.Combine(ContractFilesRoot(), "ops", "run.sh"));
        Assert.Contains("ASPNETCORE_ENVIRONMENT:-Production", script);
        Assert.DoesNotContain(":-Development", script);
    }

    private static string ContractFilesRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CylinderTrace.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("checkout root not found");
    }
}
