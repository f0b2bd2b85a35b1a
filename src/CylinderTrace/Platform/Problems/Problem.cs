using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CylinderTrace.Platform.Problems;

/// <summary>
/// RFC 9457 problem responses with a stable type (urn:cylindertrace:problem:&lt;code&gt;, listed in
/// docs/PROBLEMS.md) and a message a person can act on.
/// </summary>
public static class Problem
{
    public const string TypePrefix = "urn:cylindertrace:problem:";

    public static ProblemHttpResult Of(int status, string code, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Type = TypePrefix + code,
            Title = title,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        if (extensions is not null)
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        return TypedResults.Problem(problem);
    }
}
