using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CylinderTrace.Platform.OpenApi;

/// <summary>Endpoint metadata: the problem codes (docs/PROBLEMS.md) an operation answers with at a status.</summary>
public sealed record DocumentedProblem(int Status, IReadOnlyList<string> Codes);

/// <summary>
/// A request body type whose fields are optional unless marked [ContractRequired]: the API validates
/// them itself (with Chinese field errors), so the contract must not claim every field is required.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ContractRequestAttribute : Attribute;

/// <summary>A field of a [ContractRequest] type that a client must send.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ContractRequiredAttribute : Attribute;

/// <summary>
/// What the published OpenAPI documents (/openapi/mp.json, /openapi/integration.json) share: problem
/// responses with their codes, RFC 9457 problem details with our extensions, numbers that are numbers,
/// optional request fields and a server the reader replaces. The checked-in copies are linted by
/// Redocly's recommended ruleset in CI (miniprogram-contracts/redocly.yaml).
/// </summary>
public static class ContractOpenApi
{
    public const string ProblemSchema = "ProblemDetails";

    /// <summary>Documents problem answers at a status and the codes they carry.</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, int status, params string[] codes) =>
        builder.ProducesProblem(status).WithMetadata(new DocumentedProblem(status, codes));

    public static RouteGroupBuilder Problems(this RouteGroupBuilder builder, int status, params string[] codes) =>
        builder.ProducesProblem(status).WithMetadata(new DocumentedProblem(status, codes));

    /// <summary>The shared transformers; title, description and servers are the document's own.</summary>
    public static OpenApiOptions AddContractConventions(this OpenApiOptions options, string title, string description, string serverDescription)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            NumbersAreNumbers(schema);
            OptionalRequestFields(schema, context.JsonTypeInfo.Type);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeProblems(operation, context.Description.ActionDescriptor.EndpointMetadata);
            foreach (var parameter in operation.Parameters ?? [])
                if (parameter.Schema is OpenApiSchema s) NumbersAreNumbers(s);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = title;
            document.Info.Description = description;
            document.Info.License = new OpenApiLicense { Name = "Proprietary: for integrating with CylinderTrace only", Url = new Uri("https://www.gov.cn/") };
            // Each deployment has its own host: the reader puts theirs (an HTTPS domain registered with WeChat, or the one the operator gave).
            document.Servers =
            [
                new OpenApiServer
                {
                    Url = "https://{host}",
                    Description = serverDescription,
                    Variables = new Dictionary<string, OpenApiServerVariable>
                    {
                        ["host"] = new() { Default = "cylindertrace.invalid", Description = "替换为本市部署的 HTTPS 域名（由运维提供）" },
                    },
                },
            ];
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema();
            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>Numbers the API reads also from strings are published as numbers only: a client sends numbers.</summary>
    private static void NumbersAreNumbers(OpenApiSchema schema)
    {
        if (schema.Type is not { } type || (type & JsonSchemaType.String) == 0 || (type & (JsonSchemaType.Number | JsonSchemaType.Integer)) == 0) return;
        schema.Type = type & ~JsonSchemaType.String;
        schema.Pattern = null;
    }

    private static void OptionalRequestFields(OpenApiSchema schema, Type type)
    {
        if (type.GetCustomAttribute<ContractRequestAttribute>() is null || schema.Properties is null) return;
        var required = new HashSet<string>();
        var parameters = type.GetConstructors().SelectMany(c => c.GetParameters())
            .Where(p => p.GetCustomAttribute<ContractRequiredAttribute>() is not null).Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties())
            if (property.GetCustomAttribute<ContractRequiredAttribute>() is not null || parameters.Contains(property.Name))
                required.Add(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(property.Name));
        schema.Required = required;
    }

    private static void DescribeProblems(OpenApiOperation operation, IList<object> metadata)
    {
        foreach (var group in metadata.OfType<DocumentedProblem>().GroupBy(p => p.Status))
        {
            var key = group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var response) != true || response is not OpenApiResponse r) continue;
            var codes = group.SelectMany(p => p.Codes).Distinct().ToList();
            if (codes.Count == 0) continue;
            r.Description = $"Problem (RFC 9457); `code` is one of: {string.Join(", ", codes)} (docs/PROBLEMS.md).";
            r.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            r.Extensions["x-problem-codes"] = new JsonNodeExtension(new JsonArray(codes.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()));
        }
    }

    /// <summary>RFC 9457 problem details as every endpoint writes them (Platform/Problems/Problem.cs and the rate limiter).</summary>
    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details. Show `detail` (Chinese, written for the person using the app); branch on `code`.",
        Required = new HashSet<string> { "type", "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "urn:cylindertrace:problem:<code>" },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Short English title, for logs." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "中文说明：告诉用户该怎么做。" },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable problem code (docs/PROBLEMS.md)." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Field errors: field name → Chinese messages (validation problems).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["retryAfterSeconds"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "On 429: seconds to wait (also the Retry-After header)." },
            ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The one field at fault, where a problem names one." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
        AdditionalProperties = new OpenApiSchema(),
    };
}
