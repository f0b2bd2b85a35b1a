using System.Text.Json;
using CylinderTrace.Platform.OpenApi;

namespace CylinderTrace.Integration;

/// <summary>A batch: up to Integration:MaxBatchRecords records of one kind. Other properties beside "records" are ignored; a record's are not (see IngestionJson).</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip)]
public sealed record Batch(IReadOnlyList<JsonElement>? Records);

/// <summary>Why one record was not stored.</summary>
public sealed record RecordProblem(int Index, string Field, string Reason);

/// <summary>What a batch came to. Stored records are durable in MariaDB when this is sent. Violations: fills only (every stored fill that broke the interlock).</summary>
public sealed record BatchResult(int Received, int Stored, int Duplicates, IReadOnlyList<RecordProblem> Rejected)
{
    /// <summary>True when a sandbox key sent the batch: it was checked and counted like a real one, then rolled back (nothing stored).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool Sandbox { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FillViolationNotice>? Violations { get; init; }
}

/// <summary>A stored fill that broke the interlock: its place in the batch, its event id and code, and the rules it broke (codes of FillRules).</summary>
public sealed record FillViolationNotice(int Index, string EventId, string CylinderCode, IReadOnlyList<string> Kinds);

[ContractRequest]
public sealed record FillRecord([property: ContractRequired] string? EventId, [property: ContractRequired] string? CylinderCode, [property: ContractRequired] DateTimeOffset? FilledAt, string? Station, decimal? NetWeightKg, string? CheckId);
[ContractRequest]
public sealed record DeliveryRecord([property: ContractRequired] string? EventId, [property: ContractRequired] string? CylinderCode, [property: ContractRequired] DateTimeOffset? DeliveredAt, string? Station, string? WorkerEmployeeNumber, [property: ContractRequired] string? CustomerId);
[ContractRequest]
public sealed record ReturnRecord([property: ContractRequired] string? EventId, [property: ContractRequired] string? CylinderCode, [property: ContractRequired] DateTimeOffset? ReturnedAt, string? Station, string? CustomerId);
[ContractRequest]
public sealed record InspectionRecord([property: ContractRequired] string? EventId, [property: ContractRequired] string? CylinderCode, [property: ContractRequired] DateOnly? InspectedOn, [property: ContractRequired] string? InspectionBody, [property: ContractRequired] string? Result,
    DateOnly? NextInspectionDate, string? ReportNumber);
[ContractRequest]
public sealed record CylinderRecord([property: ContractRequired] string? Code, [property: ContractRequired] string? Serial, [property: ContractRequired] string? Spec, string? Manufacturer, [property: ContractRequired] DateOnly? ManufactureDate, DateOnly? LastInspectionDate,
    DateOnly? NextInspectionDate, DateOnly? ScrapDate, string? Status, string? SupplyStation);
[ContractRequest]
public sealed record WorkerRecord([property: ContractRequired] string? EmployeeNumber, [property: ContractRequired] string? Name, string? PermitNumber, DateOnly? PermitValidUntil, string? Phone, string? Status, string? Station);
[ContractRequest]
public sealed record CustomerRecord([property: ContractRequired] string? CustomerId, [property: ContractRequired] string? Kind, [property: ContractRequired] string? DistrictCode, string? BusinessName, string? BusinessAddress, string? Name,
    string? Phone, string? IdNumber, string? Address, string? Station, string? CreditCode = null);

/// <summary>The batch touched records of another enterprise: nothing was stored.</summary>
public sealed class NotYoursException(IReadOnlyList<RecordProblem> records) : Exception("records of another enterprise")
{
    public IReadOnlyList<RecordProblem> Records { get; } = records;
}
/// <summary>
/// Source-generated JSON for the batch records (no reflection per record). A property a record does not have is refused,
/// not ignored: a misspelt optional field ("nextInspectonDate") would otherwise be stored as absent without a word.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
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
