using CylinderTrace.Complaints;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Platform.RateLimiting;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CylinderTrace.MiniProgram;

/// <summary>Registers the Mini Program API, its sessions and sign-in, and the complaint services it calls.</summary>
public static class MiniProgramExtensions
{
    /// <summary>Key of the Mini Program's WeChatApiClient.</summary>
    public const string AppKey = "mp";

    public static IServiceCollection AddMiniProgram(this IServiceCollection services)
    {
        services.AddOptions<MiniProgramOptions>().BindConfiguration(MiniProgramOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddWeChatApp(AppKey, sp =>
        {
            var o = sp.GetRequiredService<IOptions<MiniProgramOptions>>().Value;
            return new WeChatApp(o.AppId, o.AppSecret);
        });
        services.AddSingleton<MiniProgramSessions>();
        services.AddSingleton<MiniProgramUsers>();
        services.AddSingleton<RedisRateLimiter>();
        services.AddSingleton<ComplaintStore>();
        services.AddSingleton<ComplaintService>();
        services.AddSingleton<PhotoSanitiser>();
        services.AddSingleton<PhotoStore>();
        services.AddOptions<Complaints.Notifications.NotificationOptions>().BindConfiguration(Complaints.Notifications.NotificationOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Complaints.Notifications.ComplaintNotifications>();
        services.AddOptions<Complaints.Routing.RoutingOptions>().BindConfiguration(Complaints.Routing.RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Complaints.Routing.ComplaintRouter>();
        services.AddOptions<Complaints.Routing.DeadlineOptions>().BindConfiguration(Complaints.Routing.DeadlineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Complaints.Routing.DeadlineWatch>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MiniProgramAuthentication>(MiniProgramAuthentication.SchemeName, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(MiniProgramAuthentication.Policy, p => p.AddAuthenticationSchemes(MiniProgramAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }
}
