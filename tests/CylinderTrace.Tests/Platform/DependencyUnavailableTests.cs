using System.Net.Sockets;
using System.Text.Json;
using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace CylinderTrace.Tests.Platform;

/// <summary>A dependency lost in the middle of a request is a 503 the caller may retry, never a 500.</summary>
public sealed class A_lost_dependency_is_a_503
{
    private static async Task<(bool Handled, int Status, string Body)> HandleAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new DependencyUnavailableHandler(services.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>(),
            NullLogger<DependencyUnavailableHandler>.Instance);
        var handled = await handler.TryHandleAsync(context, exception, CancellationToken.None);
        context.Response.Body.Position = 0;
        return (handled, context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task when_a_socket_is_reset_under_a_client_library()
    {
        // The exception MySqlConnector let through when the cluster check killed the Galera writer: a socket's own error.
        SocketException reset;
        try { throw new SocketException((int)SocketError.ConnectionReset); }
        catch (SocketException e) { reset = e; }
        var (handled, status, body) = await HandleAsync(reset);
        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("service-unavailable", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, (await HandleAsync(new IOException("reset", reset))).Status);
    }

    [Fact]
    public async Task but_a_bug_is_not_dressed_up_as_one()
    {
        Assert.False((await HandleAsync(new InvalidOperationException("a bug"))).Handled);
    }
}
