using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CylinderTrace.Platform.Problems;

/// <summary>
/// A request the framework could not read (malformed JSON or form, a body over a limit, a missing form token) is the
/// client's mistake: answered with its 4xx status as a problem, whatever the environment (ASP.NET Core's developer
/// page would make it a 500). The framework's own wording goes to the log only.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems, ILogger<BadRequestHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad || context.Response.HasStarted) return false;
        logger.LogInformation("Bad request to {Path}: {Error}", context.Request.Path, bad.Message);
        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        context.Response.StatusCode = status;
        var (code, detail) = status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("request-too-large", "请求内容过大，请缩小后再提交。"),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type", "请求的内容类型不受支持：JSON 接口请用 application/json，表单请用 application/x-www-form-urlencoded 或 multipart/form-data。"),
            _ => ("bad-request", "请求格式不正确，无法读取（例如 JSON 不完整、字段类型不对或表单已过期）。请检查后重新提交。"),
        };
        var problem = new ProblemDetails { Status = status, Type = Problem.TypePrefix + code, Title = "Request not readable", Detail = detail };
        problem.Extensions["code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
