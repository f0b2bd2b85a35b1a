namespace CylinderTrace.Platform.Problems;

/// <summary>
/// Problems the framework writes by itself (a body it could not bind, a query value of the wrong type, an unknown route,
/// a wrong method or content type) get the same shape as ours: a stable code, its type, and a Chinese message a person
/// can act on. Ours already carry a code and are left as they are.
/// </summary>
public static class FrameworkProblems
{
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("code")) return;
        var (code, detail) = problem.Status switch
        {
            StatusCodes.Status400BadRequest => ("bad-request", "请求格式不正确，无法读取（例如 JSON 不完整、字段或查询参数的类型不对，或表单已过期）。请检查后重新提交。"),
            StatusCodes.Status404NotFound => ("not-found", "没有这个地址。请检查网址；接口说明见本系统的文档。"),
            StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", "这个地址不支持这种请求方法（GET/POST/PUT/DELETE）。"),
            StatusCodes.Status413PayloadTooLarge => ("request-too-large", "请求内容过大，请缩小后再提交。"),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type",
                "请求的内容类型不受支持：JSON 接口请用 application/json，表单请用 application/x-www-form-urlencoded 或 multipart/form-data。"),
            _ => ((string?)null, (string?)null),
        };
        if (code is null) return;
        problem.Type = Problem.TypePrefix + code;
        problem.Detail ??= detail;
        problem.Extensions["code"] = code;
    }
}
