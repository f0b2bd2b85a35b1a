using CylinderTrace.Platform.Database;
using MySqlConnector;

namespace CylinderTrace.Enterprises;

public sealed record WorkerUpsert(int StationId, string Name, string EmployeeNumber, string PermitNumber, DateOnly? PermitValidUntil, byte[]? PhoneEnc, string Status);
public sealed record CustomerUpsert(int StationId, string ExternalId, string Kind, string DistrictCode, string? BusinessName, string? BusinessAddress,
    byte[]? NameEnc, byte[]? PhoneEnc, byte[]? PhoneHash, byte[]? IdNumberEnc, byte[]? IdNumberHash, byte[]? AddressEnc,
    string? CreditCode = null, bool? IdNumberValid = null);

/// <summary>Batch writes of supply stations' delivery workers and customers (upserts by the enterprise's own keys), in the caller's transaction.</summary>
public static class EnterpriseRegistry
{
    private const string WorkersHead =
        "INSERT INTO delivery_workers (enterprise_id, name, employee_number, permit_number, permit_valid_until, phone_enc, status) VALUES ";
    private const string WorkersTail =
        """
         ON DUPLICATE KEY UPDATE name = VALUES(name), permit_number = VALUES(permit_number), permit_valid_until = VALUES(permit_valid_until),
           phone_enc = COALESCE(VALUES(phone_enc), phone_enc), status = VALUES(status), updated_at = NOW(3)
        """;
    private const string CustomersHead =
        """
        INSERT INTO customers (supply_station_id, external_id, kind, district_code, business_name, business_address, name_enc, phone_enc, phone_hash,
                               id_number_enc, id_number_hash, address_enc) VALUES 
        """;
    private const string CustomersTail =
        """
         ON DUPLICATE KEY UPDATE kind = VALUES(kind), district_code = VALUES(district_code), business_name = VALUES(business_name),
           business_address = VALUES(business_address), name_enc = COALESCE(VALUES(name_enc), name_enc), phone_enc = COALESCE(VALUES(phone_enc), phone_enc),
           phone_hash = COALESCE(VALUES(phone_hash), phone_hash), id_number_enc = COALESCE(VALUES(id_number_enc), id_number_enc),
           id_number_hash = COALESCE(VALUES(id_number_hash), id_number_hash), address_enc = COALESCE(VALUES(address_enc), address_enc), updated_at = NOW(3)
        """;
    private const string WorkerIdsSql = "SELECT id, enterprise_id AS EnterpriseId, employee_number AS EmployeeNumber FROM delivery_workers WHERE enterprise_id = @stationId AND employee_number IN @@keys";
    private const string CustomerIdsSql = "SELECT id, supply_station_id AS StationId, external_id AS ExternalId, kind, district_code AS DistrictCode FROM customers WHERE supply_station_id = @stationId AND external_id IN @@keys";

    public sealed record WorkerKey(int Id, int EnterpriseId, string EmployeeNumber);
    public sealed record CustomerKey(long Id, int StationId, string ExternalId, string Kind, string DistrictCode);

    public static Task UpsertWorkersAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<WorkerUpsert> rows, CancellationToken ct) =>
        MultiRow.ExecuteAsync(conn, tx, WorkersHead, WorkersTail, 7, rows,
            w => [w.StationId, w.Name, w.EmployeeNumber, w.PermitNumber, w.PermitValidUntil?.ToDateTime(TimeOnly.MinValue), w.PhoneEnc, w.Status], ct);

    private const string IdentitiesHead = "INSERT INTO customer_identities (customer_id, credit_code, id_number_valid, credit_code_valid, checked_at) VALUES ";
    private const string IdentitiesTail =
        """
         ON DUPLICATE KEY UPDATE credit_code = COALESCE(VALUES(credit_code), credit_code), id_number_valid = COALESCE(VALUES(id_number_valid), id_number_valid),
           credit_code_valid = COALESCE(VALUES(credit_code_valid), credit_code_valid), checked_at = VALUES(checked_at)
        """;

    /// <summary>
    /// Upserts the customers and, with them, whether their identity checks out (<see cref="CustomerIdentities"/>): a value
    /// not sent keeps the one on record, as the encrypted columns do.
    /// </summary>
    public static async Task UpsertCustomersAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<CustomerUpsert> rows, CancellationToken ct)
    {
        await MultiRow.ExecuteAsync(conn, tx, CustomersHead, CustomersTail, 12, rows,
            c => [c.StationId, c.ExternalId, c.Kind, c.DistrictCode, c.BusinessName, c.BusinessAddress, c.NameEnc, c.PhoneEnc, c.PhoneHash, c.IdNumberEnc, c.IdNumberHash, c.AddressEnc], ct);
        var now = DateTime.UtcNow;
        foreach (var station in rows.GroupBy(r => r.StationId))
        {
            var ids = await CustomerIdsAsync(conn, tx, station.Key, station.Select(r => r.ExternalId).ToList(), ct);
            var identities = station.Where(r => ids.ContainsKey(r.ExternalId)).Select(r => (Id: ids[r.ExternalId], r.CreditCode, r.IdNumberValid,
                CodeValid: r.CreditCode is null ? (bool?)null : UnifiedSocialCreditCode.IsValid(r.CreditCode))).ToList();
            await MultiRow.ExecuteAsync(conn, tx, IdentitiesHead, IdentitiesTail, 5, identities,
                i => [i.Id, i.CreditCode, i.IdNumberValid, i.CodeValid, now], ct);
        }
    }

    /// <summary>Worker ids of one station by employee number.</summary>
    public static async Task<Dictionary<string, int>> WorkerIdsAsync(MySqlConnection conn, MySqlTransaction? tx, int stationId, IReadOnlyList<string> employeeNumbers, CancellationToken ct) =>
        employeeNumbers.Count == 0 ? []
            : (await MultiRow.QueryInAsync<WorkerKey, string>(conn, tx, WorkerIdsSql, "@@keys", employeeNumbers, new { stationId }, ct))
                .ToDictionary(w => w.EmployeeNumber, w => w.Id, StringComparer.OrdinalIgnoreCase);

    /// <summary>Customer ids of one station by the station's own customer id.</summary>
    public static async Task<Dictionary<string, long>> CustomerIdsAsync(MySqlConnection conn, MySqlTransaction? tx, int stationId, IReadOnlyList<string> externalIds, CancellationToken ct) =>
        (await CustomersAsync(conn, tx, stationId, externalIds, ct)).ToDictionary(c => c.Key, c => c.Value.Id, StringComparer.OrdinalIgnoreCase);

    /// <summary>Customers of one station (id and kind) by the station's own customer id.</summary>
    public static async Task<Dictionary<string, CustomerKey>> CustomersAsync(MySqlConnection conn, MySqlTransaction? tx, int stationId, IReadOnlyList<string> externalIds, CancellationToken ct) =>
        externalIds.Count == 0 ? []
            : (await MultiRow.QueryInAsync<CustomerKey, string>(conn, tx, CustomerIdsSql, "@@keys", externalIds, new { stationId }, ct))
                .ToDictionary(c => c.ExternalId, StringComparer.OrdinalIgnoreCase);
}
