using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Staff;

/// <summary>Staff sign-in: PasswordHasher, lockout after repeated failures, forced change of the initial password.</summary>
[Collection(Collections.Console)]
public sealed class Staff_sign_in(WebHostFixture fx, FakeClockInstance pinned) : IClassFixture<FakeClockInstance>
{
    private Task<HttpResponseMessage> TryAsync(HttpClient http, string username, string password) =>
        http.PostAsJsonAsync("/api/console/session", new { username, password });

    /// <summary>
    /// An instance whose clock stands still during the test: failures are counted in fixed windows
    /// (Console:LockoutMinutes), which a test on the real clock may straddle, and then counts start again.
    /// </summary>
    private CylinderTraceHost Pinned()
    {
        pinned.Now();
        return pinned.For(fx);
    }

    [Fact]
    public async Task stores_only_a_password_hash_and_refuses_a_wrong_password_or_unknown_name_alike()
    {
        var agency = await fx.Data.AgencyAsync();
        var (id, username) = await fx.Data.StaffAsync(agency.Code);
        await using (var conn = await fx.Database.OpenAsync())
        {
            var hash = await conn.ExecuteScalarAsync<string>("SELECT password_hash FROM staff WHERE id = @id", new { id });
            Assert.DoesNotContain(TestData.StaffPassword, hash);
            Assert.StartsWith("AQAAAA", hash); // PasswordHasher's v3 format (PBKDF2), base64
        }
        var http = ConsoleClient.NewHttp(fx.Host);
        var wrong = await TryAsync(http, username, "Wrong-password-1");
        var unknown = await TryAsync(http, "nobody-" + TestData.UniqueCode(), TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await Code(wrong), await Code(unknown));
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(http, username, TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task five_failures_throttle_unknown_browsers_but_the_members_own_browser_still_gets_in()
    {
        var host = Pinned();
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var own = ConsoleClient.NewHttp(host); // has signed in before: carries the known-device cookie
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(own, username, TestData.StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await own.DeleteAsync("/api/console/session")).StatusCode);

        var attacker = ConsoleClient.NewHttp(host);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync(attacker, username, "Wrong-password-" + i)).StatusCode);
        var throttled = await TryAsync(attacker, username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("console-sign-in-throttled", await Code(throttled));
        Assert.True(int.Parse(throttled.Headers.GetValues("Retry-After").Single()) is > 0 and <= 15 * 60);
        Assert.True((await Json(throttled)).GetProperty("retryAfterSeconds").GetInt32() > 0);

        // The attacker has not locked the member out: their own browser still signs in with the right password.
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(own, username, TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task an_unknown_username_is_counted_and_answered_exactly_like_a_known_one()
    {
        var host = Pinned();
        var agency = await fx.Data.AgencyAsync();
        var (_, known) = await fx.Data.StaffAsync(agency.Code);
        var unknown = "nobody-" + TestData.UniqueCode().ToLowerInvariant();
        async Task<List<string>> AnswersAsync(string username)
        {
            var http = ConsoleClient.NewHttp(host);
            var answers = new List<string>();
            for (var i = 0; i < 7; i++)
            {
                var r = await TryAsync(http, username, "Wrong-password-" + i);
                answers.Add($"{(int)r.StatusCode} {await Code(r)}");
            }
            return answers;
        }
        var forKnown = await AnswersAsync(known);
        Assert.Equal(forKnown, await AnswersAsync(unknown));
        Assert.Equal(["401 console-sign-in-failed", "429 console-sign-in-throttled"], forKnown.Distinct());
        // Usernames are matched case-insensitively; their counts are too.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryAsync(ConsoleClient.NewHttp(host), known.ToUpperInvariant(), TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task concurrent_wrong_attempts_check_no_more_passwords_than_the_limit()
    {
        var host = Pinned();
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => TryAsync(ConsoleClient.NewHttp(host), username, "Wrong-password-" + i)));
        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(35, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task a_successful_sign_in_gives_that_browser_its_own_count()
    {
        var host = Pinned();
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var http = ConsoleClient.NewHttp(host);
        for (var i = 0; i < 4; i++) await TryAsync(http, username, "Wrong-password-" + i);
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(http, username, TestData.StaffPassword)).StatusCode);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync(http, username, "Wrong-password-" + i)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryAsync(http, username, TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task an_initial_password_opens_nothing_but_the_password_change()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code, mustChangePassword: true);
        var me = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        var queue = await me.GetAsync("/api/console/complaints");
        Assert.Equal(HttpStatusCode.Forbidden, queue.StatusCode);
        Assert.Equal("console-password-change-required", await Code(queue));
        var page = await me.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/console/password", page.Headers.Location!.OriginalString);
        Assert.True((await me.GetJsonAsync("/api/console/me")).GetProperty("mustChangePassword").GetBoolean());

        var weak = await me.PostAsync("/api/console/me/password", new { current = TestData.StaffPassword, next = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var withName = await me.PostAsync("/api/console/me/password", new { current = TestData.StaffPassword, next = "x" + username + "-2026" });
        Assert.Equal(HttpStatusCode.BadRequest, withName.StatusCode);
        var same = await me.PostAsync("/api/console/me/password", new { current = TestData.StaffPassword, next = TestData.StaffPassword });
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await me.PostAsync("/api/console/me/password", new { current = TestData.StaffPassword, next = "Brand-new-secret-9" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync("/api/console/complaints")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryAsync(ConsoleClient.NewHttp(fx.Host), username, TestData.StaffPassword)).StatusCode);
    }

    [Fact]
    public async Task changing_the_password_ends_the_members_other_sessions()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var laptop = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        var phone = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.NoContent, (await laptop.PostAsync("/api/console/me/password", new { current = TestData.StaffPassword, next = "Another-secret-42" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/api/console/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/console/me")).StatusCode);
    }

    [Fact]
    public async Task without_a_session_the_api_answers_401_and_pages_send_to_the_sign_in_page()
    {
        var http = ConsoleClient.NewHttp(fx.Host);
        var api = await http.GetAsync("/api/console/complaints");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("console-sign-in-required", await Code(api));
        var page = await http.GetAsync("/console/complaints/TS20260101-000001");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost/console/login?ReturnUrl=", page.Headers.Location!.ToString());
    }

    [Fact]
    public async Task pages_forbid_scripts_framing_and_referrers()
    {
        var page = await ConsoleClient.NewHttp(fx.Host).GetAsync("/console/login");
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("script-src", csp);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task the_sign_in_form_needs_its_antiforgery_token_and_never_redirects_off_the_console()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var http = ConsoleClient.NewHttp(fx.Host);
        var html = await (await http.GetAsync("/console/login")).Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var fields = new Dictionary<string, string> { ["username"] = username, ["password"] = TestData.StaffPassword, ["returnUrl"] = "https://evil.example/" };
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/console/login", new FormUrlEncodedContent(fields))).StatusCode);
        fields["__RequestVerificationToken"] = token;
        var signedIn = await http.PostAsync("/console/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/console", signedIn.Headers.Location!.OriginalString);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
    private static async Task<string?> Code(HttpResponseMessage r) => (await Json(r)).GetProperty("code").GetString();
}

/// <summary>The console API refuses state changes a browser says come from another site.</summary>
[Collection(Collections.Console)]
public sealed class Cross_site_requests(WebHostFixture fx)
{
    [Fact]
    public async Task are_refused_while_same_origin_and_headerless_calls_pass()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var member = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        HttpRequestMessage Request(string? origin, string? fetchSite)
        {
            var r = new HttpRequestMessage(HttpMethod.Post, "/api/console/me/wechat-code") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            if (origin is not null) r.Headers.Add("Origin", origin);
            if (fetchSite is not null) r.Headers.Add("Sec-Fetch-Site", fetchSite);
            return r;
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Http.SendAsync(Request("https://evil.example", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Http.SendAsync(Request(null, "cross-site"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.Http.SendAsync(Request("http://localhost", "same-origin"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.Http.SendAsync(Request(null, null))).StatusCode);
        var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/console/session") { Content = JsonContent.Create(new { username, password = TestData.StaffPassword }) };
        signIn.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await ConsoleClient.NewHttp(fx.Host).SendAsync(signIn)).StatusCode);
    }
}

/// <summary>Several instances of one deployment: a console session made on one is good on another (data-protection keys in MariaDB).</summary>
[Collection(Collections.Console)]
public sealed class Console_sessions_across_instances(WebHostFixture fx)
{
    [Fact]
    public async Task a_cookie_issued_by_one_instance_is_read_by_another()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        var signIn = await ConsoleClient.NewHttp(fx.Host).PostAsJsonAsync("/api/console/session", new { username, password = TestData.StaffPassword });
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console=", StringComparison.Ordinal)).Split(';')[0];

        var other = fx.SecondInstance;
        var client = other.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var me = await client.GetAsync("/api/console/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains(username, await me.Content.ReadAsStringAsync());
    }
}


/// <summary>Behind nginx on the same machine: the proxy's X-Forwarded-Proto makes the console cookie Secure.</summary>
[Collection(Collections.Console)]
public sealed class Behind_a_reverse_proxy(WebHostFixture fx)
{
    [Fact]
    public async Task the_console_cookie_is_secure_when_the_proxy_says_https()
    {
        var agency = await fx.Data.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code);
        using var http = fx.OnLoopback();
        async Task<string> CookieAsync(string? proto)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/console/session") { Content = JsonContent.Create(new { username, password = TestData.StaffPassword }) };
            if (proto is not null) request.Headers.Add("X-Forwarded-Proto", proto);
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console=", StringComparison.Ordinal));
        }
        Assert.Contains("secure", await CookieAsync("https"), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", await CookieAsync(null), StringComparison.OrdinalIgnoreCase);
    }
}
