using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Integration;

/// <summary>The enterprise integration API (/api/integration/v1).</summary>
public sealed class IntegrationOptions
{
    public const string Section = "Integration";

    /// <summary>How far a request's timestamp may be from our clock, either way; nonces are remembered twice as long.</summary>
    [Range(10, 3600, ErrorMessage = "Integration:{0} must be between {1} and {2}.")]
    public int TimestampWindowSeconds { get; set; } = 300;

    /// <summary>Records one batch call may carry.</summary>
    [Range(1, 100_000, ErrorMessage = "Integration:{0} must be between {1} and {2}.")]
    public int MaxBatchRecords { get; set; } = 5000;

    /// <summary>Largest request body, in bytes.</summary>
    [Range(1024, 256 * 1024 * 1024, ErrorMessage = "Integration:{0} must be between {1} and {2}.")]
    public int MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Days a rotated key keeps working, so the enterprise can switch without a gap.</summary>
    [Range(0, 90, ErrorMessage = "Integration:{0} must be between {1} and {2}.")]
    public int RotationGraceDays { get; set; } = 7;

    /// <summary>Seconds a key is cached per instance; a revocation takes effect on every instance within this time.</summary>
    [Range(0, 3600, ErrorMessage = "Integration:{0} must be between {1} and {2}.")]
    public int KeyCacheSeconds { get; set; } = 30;

    /// <summary>Allow http:// webhook addresses and turn off the public-address checks (WebhookAddresses): for development and tests only; production webhooks must be https to public addresses.</summary>
    public bool AllowInsecureWebhooks { get; set; }

    /// <summary>
    /// For the rollout of the licence rule on a running city: until this day (Asia/Shanghai, inclusive) a filling station
    /// with no 气瓶充装许可证 recorded at all is not refused for that (expired, suspended and revoked licences always are),
    /// so the lines keep filling while the bureaus enter their fillers' licences. Empty (the default): a missing licence is
    /// refused, as TSG 23-2021 requires. See docs/OPERATIONS.md.
    /// </summary>
    public DateOnly? MissingFillingLicenceAllowedUntil { get; set; }
}
