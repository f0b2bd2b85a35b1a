using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using MySqlConnector;
using StackExchange.Redis;

namespace CylinderTrace.Platform.Problems;

/// <summary>
/// Turns "the database or Redis cannot be reached" into a 503 problem with Retry-After instead of a
/// 500: the request was fine, the service is briefly not. Other exceptions fall through (a 500 is a bug).
/// </summary>
public sealed class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var dependency = exception switch
        {
            MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.CommandTimeoutExpired } => "database",
            MySqlException { IsTransient: true } => "database",
            // The server went away in the middle of a command (shut down, connection cut): the
            // transaction was not committed, so nothing is half-written; the caller may send again.
            MySqlException { InnerException: MySqlEndOfStreamException or IOException or System.Net.Sockets.SocketException } => "database",
            MySqlEndOfStreamException => "database",
            // MySqlConnector lets a socket's own error through when the server is killed while it waits for a reply (a
            // Galera writer lost in ops/cluster-check.sh); a bare socket error in a request is a dependency gone either way.
            System.Net.Sockets.SocketException or IOException { InnerException: System.Net.Sockets.SocketException } =>
                exception.StackTrace?.Contains("MySqlConnector", StringComparison.Ordinal) == true ? "database" : "dependency",
            MySqlProtocolException or TimeoutException when exception.Source?.Contains("MySqlConnector") == true => "database",
            RedisConnectionException or RedisTimeoutException => "cache",
            RedisServerException server when RedisFailure.IsClusterTransition(server) => "cache",
            _ => null,
        };
        if (dependency is null) return false;
        logger.LogWarning(exception, "The {Dependency} is unavailable", dependency);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Type = Problem.TypePrefix + "service-unavailable",
            Title = "Service briefly unavailable",
            Detail = "服务暂时无法访问，请5秒后重试。如果您正在现场发现危险，请先关闭瓶阀、开窗通风，并拨打119或12345。",
        };
        problem.Extensions["code"] = "service-unavailable";
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
