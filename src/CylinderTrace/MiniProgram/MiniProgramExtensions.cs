using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CylinderTrace.MiniProgram;

/// <summary>Registers the Mini Program API, its sessions and sign-in (the complaint services it calls are Complaints').</summary>
public static class MiniProgramExtensions
{
    /// <summary>Key of the Mini Program's WeChatApiClient.</summary>
    public const string AppKey = WeChatApps.MiniProgram;

    public static IServiceCollection AddMiniProgram(this IServiceCollection services)
    {
        services.AddOptions<MiniProgramOptions>().BindConfiguration(MiniProgramOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddWeChatApp(AppKey, sp =>
        {
            var o = sp.GetRequiredService<IOptions<MiniProgramOptions>>().Value;
            return new WeChatApp(o.AppId, o.AppSecret);
        });
        services.AddSingleton<MiniProgramSessions>();
        services.AddRecurringJob<MiniProgramSessions>(MiniProgramSessions.CleanupJobId, s => s.CleanupAsync(CancellationToken.None), "17 3 * * *");
        services.AddSingleton<MiniProgramUsers>();
        services.AddSingleton<Complaints.Notifications.IComplainantAddresses>(sp => sp.GetRequiredService<MiniProgramUsers>());
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MiniProgramAuthentication>(MiniProgramAuthentication.SchemeName, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(MiniProgramAuthentication.Policy, p => p.AddAuthenticationSchemes(MiniProgramAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }
}
