using System.Text.Json;

namespace CylinderTrace.Integration;

/// <summary>A batch: up to Integration:MaxBatchRecords records of one kind.</summary>
public sealed record Batch(IReadOnlyList<JsonElement>? Records);

/// <summary>Why one record was not stored.</summary>
public sealed record RecordProblem(int Index, string Field, string Reason);

/// <summary>What a batch came to. Stored records are durable in MariaDB when this is sent. Violations: fills only (every stored fill that broke the interlock).</summary>
public sealed record BatchResult(int Received, int Stored, int Duplicates, IReadOnlyList<RecordProblem> Rejected)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FillViolationNotice>? Violations { get; init; }
}

/// <summary>A stored fill that broke the interlock: its place in the batch, its event id and code, and the rules it broke (codes of FillRules).</summary>
public sealed record FillViolationNotice(int Index, string EventId, string CylinderCode, IReadOnlyList<string> Kinds);

public sealed record FillRecord(string? EventId, string? CylinderCode, DateTimeOffset? FilledAt, string? Station, decimal? NetWeightKg, string? CheckId);
public sealed record DeliveryRecord(string? EventId, string? CylinderCode, DateTimeOffset? DeliveredAt, string? Station, string? WorkerEmployeeNumber, string? CustomerId);
public sealed record ReturnRecord(string? EventId, string? CylinderCode, DateTimeOffset? ReturnedAt, string? Station, string? CustomerId);
public sealed record InspectionRecord(string? EventId, string? CylinderCode, DateOnly? InspectedOn, string? InspectionBody, string? Result,
    DateOnly? NextInspectionDate, string? ReportNumber);
public sealed record CylinderRecord(string? Code, string? Serial, string? Spec, string? Manufacturer, DateOnly? ManufactureDate, DateOnly? LastInspectionDate,
    DateOnly? NextInspectionDate, DateOnly? ScrapDate, string? Status, string? SupplyStation);
public sealed record WorkerRecord(string? EmployeeNumber, string? Name, string? PermitNumber, DateOnly? PermitValidUntil, string? Phone, string? Status, string? Station);
public sealed record CustomerRecord(string? CustomerId, string? Kind, string? DistrictCode, string? BusinessName, string? BusinessAddress, string? Name,
    string? Phone, string? IdNumber, string? Address, string? Station);

/// <summary>The batch touched records of another enterprise: nothing was stored.</summary>
public sealed class NotYoursException(IReadOnlyList<RecordProblem> records) : Exception("records of another enterprise")
{
    public IReadOnlyList<RecordProblem> Records { get; } = records;
}
/// <summary>Source-generated JSON for the batch records (no reflection per record).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Batch))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DeliveryRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReturnRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(InspectionRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CylinderRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(WorkerRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CustomerRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillCheckRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillCheckResult))]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchResult))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillViolationNotice))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<FillRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<DeliveryRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<ReturnRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<InspectionRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<CylinderRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<WorkerRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<CustomerRecord>))]
internal sealed partial class IngestionJson : System.Text.Json.Serialization.JsonSerializerContext;
