using CylinderTrace.ConsoleShell;
using CylinderTrace.Staff;
using Microsoft.Extensions.Options;

namespace CylinderTrace.CardPages;

/// <summary>The public card page at the QR's URL, its complaint links, and the QR label sheets (issue 23).</summary>
public static class CardPagesExtensions
{
    public static IServiceCollection AddCardPages(this IServiceCollection services)
    {
        services.AddOptions<CardPageOptions>().BindConfiguration(CardPageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new CardPageHtml(sp.GetRequiredService<IOptions<CardPageOptions>>().Value));
        services.AddSingleton<ComplaintLinks>();
        services.AddSingleton<LabelSheets>();
        services.AddConsoleMenuItem(new(960, "nav-labels", "/console/labels", "打印气瓶标签", ConsoleAccess.MayPrintLabels));
        return services;
    }

    public static IEndpointRouteBuilder MapCardPageFeature(this IEndpointRouteBuilder app)
    {
        app.MapCardPages();
        app.MapLabels();
        return app;
    }
}
