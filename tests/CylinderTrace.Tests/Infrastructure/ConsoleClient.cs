using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>A staff member of a test host, signed in to the console (cookies kept, redirects not followed).</summary>
public sealed partial class ConsoleClient
{
    public HttpClient Http { get; }
    public string Username { get; }

    private ConsoleClient(HttpClient http, string username)
    {
        Http = http;
        Username = username;
    }

    public static HttpClient NewHttp(CylinderTraceHost host) =>
        host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

    public static async Task<ConsoleClient> SignInAsync(CylinderTraceHost host, string username, string password)
    {
        var http = NewHttp(host);
        var response = await http.PostAsJsonAsync("/api/console/session", new { username, password });
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"sign-in of {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return new ConsoleClient(http, username);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        Http.PostAsync(path, body is null ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body));

    public async Task<JsonElement> PostOkAsync(string path, object? body = null)
    {
        var response = await PostAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>The antiforgery token the console's pages put in their forms (for posting forms as a browser would).</summary>
    public async Task<string> FormTokenAsync(string page = "/console/account")
    {
        var html = await (await Http.GetAsync(page)).Content.ReadAsStringAsync();
        return TokenRegex().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no form token on {page}");
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, string token, IDictionary<string, string>? fields = null)
    {
        var values = new Dictionary<string, string>(fields ?? new Dictionary<string, string>()) { ["__RequestVerificationToken"] = token };
        return Http.PostAsync(path, new FormUrlEncodedContent(values));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
