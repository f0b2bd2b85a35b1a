using CylinderTrace.WeChat.Api;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.WeChat;

/// <summary>Registers the WeChat API plumbing: one HttpClient, the Redis token store, and a keyed client per WeChat app.</summary>
public static class WeChatExtensions
{
    public const string HttpClientName = "wechat";

    public static IServiceCollection AddWeChatPlatform(this IServiceCollection services)
    {
        services.AddOptions<WeChatOptions>().BindConfiguration(WeChatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(HttpClientName, (sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<WeChatOptions>>().Value;
            http.BaseAddress = new Uri(o.ApiBaseAddress.EndsWith('/') ? o.ApiBaseAddress : o.ApiBaseAddress + "/");
            http.Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds);
        });
        services.AddSingleton<IAccessTokenStore, RedisAccessTokenStore>();
        return services;
    }

    /// <summary>A WeChatApiClient for one app (an Official Account or a Mini Program), resolved by key.</summary>
    public static IServiceCollection AddWeChatApp(this IServiceCollection services, string key, Func<IServiceProvider, WeChatApp> app)
    {
        services.AddKeyedSingleton(key, (sp, _) => new AccessTokenProvider(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), app(sp),
            sp.GetRequiredService<IAccessTokenStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton(key, (sp, k) => new WeChatApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), sp.GetRequiredKeyedService<AccessTokenProvider>(k)));
        return services;
    }
}
