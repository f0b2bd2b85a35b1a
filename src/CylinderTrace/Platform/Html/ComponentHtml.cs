using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace CylinderTrace.Platform.Html;

/// <summary>
/// Renders a Razor component to an HTML string outside a request (Microsoft.AspNetCore.Components.Web's
/// <see cref="HtmlRenderer"/>), for pages that are stored or mailed, such as a digest. Values are encoded by
/// the host's <see cref="System.Text.Encodings.Web.HtmlEncoder"/> (registered by Platform: Chinese stays readable).
/// </summary>
public sealed class ComponentHtml(IServiceProvider services, ILoggerFactory loggers)
{
    public async Task<string> RenderAsync<TComponent>(IDictionary<string, object?> parameters) where TComponent : IComponent
    {
        await using var renderer = new HtmlRenderer(services, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
    }
}
