using System.Text.Json.Nodes;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using CylinderTrace.WeChat.OfficialAccount;
using Microsoft.Extensions.Options;

namespace CylinderTrace.OfficialAccount;

/// <summary>Registers the Official Account feature and its `oa-menu` command.</summary>
public static class OfficialAccountExtensions
{
    /// <summary>Key of the Official Account's WeChatApiClient.</summary>
    public const string AppKey = WeChatApps.OfficialAccount;

    public static IServiceCollection AddOfficialAccount(this IServiceCollection services)
    {
        services.AddOptions<OfficialAccountOptions>().BindConfiguration(OfficialAccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddWeChatApp(AppKey, sp =>
        {
            var o = sp.GetRequiredService<IOptions<OfficialAccountOptions>>().Value;
            return new WeChatApp(o.AppId, o.AppSecret);
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<OfficialAccountOptions>>().Value;
            return new PushProtocol(new PushSettings(o.Token, o.AppId, o.EncodingAesKey, o.Mode,
                TimeSpan.FromSeconds(o.TimestampWindowSeconds), o.MaxBodyBytes), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<PushDeduplication>();
        services.AddHostedService<PushReplyWriter>();
        services.AddSingleton<OfficialAccountResponder>();
        services.AddSingleton<LateReplies>();
        return services;
    }

    /// <summary>The account's menu: the scan button (scancode_waitmsg, key SCAN_CYLINDER), "my complaints" and help.</summary>
    public static JsonObject Menu() => new()
    {
        ["button"] = new JsonArray(
            new JsonObject { ["type"] = "scancode_waitmsg", ["name"] = "扫码查瓶", ["key"] = OfficialAccountResponder.ScanKey, ["sub_button"] = new JsonArray() },
            new JsonObject { ["type"] = "click", ["name"] = "我的投诉", ["key"] = OfficialAccountResponder.MyComplaintsKey },
            new JsonObject { ["type"] = "click", ["name"] = "查验须知", ["key"] = OfficialAccountResponder.HowToCheckKey }),
    };

    /// <summary>`oa-menu`: creates the menu through the WeChat API.</summary>
    public static System.CommandLine.Command MenuCommand(Platform.Commands.CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("oa-menu", "Create the Official Account's menu through the WeChat API: 扫码查瓶, 我的投诉, 查验须知.");
        command.SetAction((parse, _) => tool.RunAsync(parse, CreateMenuAsync));
        return command;
    }

    private static async Task<int> CreateMenuAsync(Platform.Commands.CommandRun run, CancellationToken ct)
    {
        var services = run.Services;
        var api = services.GetRequiredKeyedService<WeChatApiClient>(AppKey);
        try
        {
            await api.CreateMenuAsync(Menu(), ct);
            run.Out.WriteLine("Created the Official Account menu: 扫码查瓶 (SCAN_CYLINDER), 我的投诉 (MY_COMPLAINTS), 查验须知 (HOW_TO_CHECK).");
            return 0;
        }
        catch (WeChatApiException ex)
        {
            run.Err.WriteLine(ex.Kind == WeChatErrorKind.Configuration
                ? $"WeChat refused our credentials: {ex.Message}. Check OfficialAccount:AppId, OfficialAccount:AppSecret and the server IP whitelist."
                : $"Could not create the menu: {ex.Message}");
            return 1;
        }
    }
}
