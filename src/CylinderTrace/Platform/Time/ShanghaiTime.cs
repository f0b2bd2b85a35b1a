namespace CylinderTrace.Platform.Time;

/// <summary>Business dates (inspections, digests, business days) are Asia/Shanghai; stored instants are UTC.</summary>
public static class ShanghaiTime
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(ToLocal(clock.GetUtcNow()).DateTime);

    public static DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    /// <summary>A day as a person reads it in a log or a message (2026-11-02), not the invariant culture's 11/02/2026.</summary>
    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An instant as a person reads it in a log or a message: China Standard Time with its offset (2026-12-02 02:04 +08:00).</summary>
    public static string Text(DateTimeOffset instant) => ToLocal(instant).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A UTC DATETIME read from the database, shown with the +08:00 offset people expect.</summary>
    public static DateTimeOffset FromUtc(DateTime utc) =>
        ToLocal(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)));

    /// <summary>The UTC instant at which an Asia/Shanghai day begins (the zone has no daylight saving).</summary>
    public static DateTime StartOfDayUtc(DateOnly day) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(day.ToDateTime(TimeOnly.MinValue), DateTimeKind.Unspecified), Zone);
}
