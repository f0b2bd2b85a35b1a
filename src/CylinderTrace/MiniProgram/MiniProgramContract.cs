using CylinderTrace.Platform.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace CylinderTrace.MiniProgram;

/// <summary>
/// The Mini Program's published contract, /openapi/mp.json (miniprogram-contracts/openapi.json is checked
/// against it): the Bearer session scheme on each operation that needs it, and the card's 404 with the
/// status the Mini Program shows as a danger card.
/// </summary>
public static class MiniProgramContract
{
    public const string DocumentName = "mp";
    private const string Bearer = "miniProgramSession";

    public static IServiceCollection AddMiniProgramContract(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/mp", StringComparison.Ordinal) == true;
            o.AddContractConventions("CylinderTrace Mini Program API",
                "气瓶安全小程序的接口：登录、扫码查瓶、投诉及其照片和进度、餐饮商户进货扫码。说明与示例见 miniprogram-contracts/README.md。",
                "本市部署的 HTTPS 域名（须在小程序后台登记为 request 和 uploadFile 合法域名）");
            o.AddOperationTransformer((operation, context, _) =>
            {
                var signedIn = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any();
                // An empty requirement says "no credentials" explicitly, so a generated client knows a public call from a forgotten one.
                operation.Security =
                [
                    signedIn ? new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = [] } : new OpenApiSecurityRequirement(),
                ];
                if (context.Description.RelativePath == "api/mp/cylinders/card"
                    && operation.Responses?.TryGetValue("404", out var notFound) == true && notFound is OpenApiResponse r)
                {
                    r.Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("CylinderNotRegistered", context.Document) },
                    };
                }
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Components!.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "POST /api/mp/login 换得的 token，放在 Authorization: Bearer <token>；401 session-required 时重新登录。",
                };
                document.Components.Schemas!["CylinderNotRegistered"] = new OpenApiSchema
                {
                    Description = "404 cylinder-not-registered: show cylinderStatus as a danger card and offer to complain (black_gas).",
                    AllOf =
                    [
                        new OpenApiSchemaReference(ContractOpenApi.ProblemSchema, document),
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "cylinderCode", "cylinderStatus" },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["cylinderCode"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                ["cylinderStatus"] = new OpenApiSchemaReference("CardStatus", document),
                            },
                        },
                    ],
                };
                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                    tag.Description = tag.Name switch
                    {
                        "commercial" => "餐饮等商业用户：绑定邀请码、进货扫码、扫码率。",
                        _ => "居民：登录、查瓶、投诉、照片。",
                    };
                return Task.CompletedTask;
            });
        });
}
