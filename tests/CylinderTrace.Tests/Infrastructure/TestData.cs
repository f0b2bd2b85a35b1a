using System.Security.Cryptography;
using CylinderTrace.Cylinders;
using Dapper;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>Creates the records a test needs, with unique codes, straight in the test's database.</summary>
public sealed class TestData(TestDatabase db, IServiceProvider services)
{
    public static string UniqueCode(string prefix = "T") => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));

    /// <summary>An enterprise; a filling one holds a 气瓶充装许可证 valid 2020-2099 unless <paramref name="fillingLicence"/> is false.</summary>
    public async Task<int> EnterpriseAsync(string kind = "filling", string? name = null, int? parentId = null, string district = "350102", bool fillingLicence = true)
    {
        await using var conn = await db.OpenAsync();
        var licence = "LIC-" + UniqueCode();
        var id = await conn.ExecuteScalarAsync<int>(
            """
            INSERT INTO enterprises (kind, name, licence_number, parent_id, district_code) VALUES (@kind, @name, @licence, @parentId, @district);
            SELECT LAST_INSERT_ID();
            """, new { kind, name = name ?? $"测试{(kind == "filling" ? "燃气有限公司" : "供应站")}{licence[^4..]}", licence, parentId, district });
        if (kind == "filling" && fillingLicence) await FillingLicenceAsync(id, new DateOnly(2020, 1, 1), new DateOnly(2099, 12, 31));
        return id;
    }

    /// <summary>Records (or replaces) an enterprise's 气瓶充装许可证.</summary>
    public async Task FillingLicenceAsync(int enterpriseId, DateOnly from, DateOnly until, string status = "valid")
    {
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO enterprise_licences (enterprise_id, kind, licence_number, issuer, valid_from, valid_until, status, updated_at)
            VALUES (@enterpriseId, 'cylinder_filling', @number, '福州市市场监督管理局', @from, @until, @status, NOW(3))
            ON DUPLICATE KEY UPDATE valid_from = @from, valid_until = @until, status = @status
            """, new { enterpriseId, number = "TS4235-" + UniqueCode()[..8], from = from.ToDateTime(TimeOnly.MinValue), until = until.ToDateTime(TimeOnly.MinValue), status });
    }

    /// <summary>Records (or replaces) an enterprise's 燃气经营许可证.</summary>
    public async Task GasSupplyLicenceAsync(int enterpriseId, DateOnly? until = null, string status = "valid")
    {
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO enterprise_licences (enterprise_id, kind, licence_number, issuer, valid_from, valid_until, status, updated_at)
            VALUES (@enterpriseId, 'gas_supply', @number, '福州市城乡建设局', '2020-01-01', @until, @status, NOW(3))
            ON DUPLICATE KEY UPDATE valid_until = @until, status = @status
            """, new { enterpriseId, number = "闽燃经-" + UniqueCode()[..8], until = (until ?? new DateOnly(2099, 12, 31)).ToDateTime(TimeOnly.MinValue), status });
    }

    public async Task<string> LicenceOfAsync(int enterpriseId)
    {
        await using var conn = await db.OpenAsync();
        return await conn.ExecuteScalarAsync<string>("SELECT licence_number FROM enterprises WHERE id = @enterpriseId", new { enterpriseId }) ?? "";
    }

    public async Task<int> WorkerAsync(int stationId, string name = "张三明", string status = "active", DateOnly? permitValidUntil = null)
    {
        await using var conn = await db.OpenAsync();
        return await conn.ExecuteScalarAsync<int>(
            """
            INSERT INTO delivery_workers (enterprise_id, name, employee_number, permit_number, permit_valid_until, status)
            VALUES (@stationId, @name, @employee, @permit, @validUntil, @status);
            SELECT LAST_INSERT_ID();
            """, new { stationId, name, employee = "E" + UniqueCode()[..8], permit = "P" + UniqueCode(), validUntil = (permitValidUntil ?? new DateOnly(2099, 1, 1)).ToDateTime(TimeOnly.MinValue), status });
    }

    /// <summary>A registered cylinder with a filling owner and a supply station of its own, unless given.</summary>
    public async Task<TestCylinder> CylinderAsync(
        DateOnly? manufactured = null, DateOnly? lastInspection = null, DateOnly? nextInspection = null, DateOnly? scrapDate = null,
        string status = "in_service", bool detained = false, int? ownerId = null, int? stationId = null)
    {
        var owner = ownerId ?? await EnterpriseAsync("filling");
        var station = stationId ?? await EnterpriseAsync("supply", parentId: owner);
        var code = UniqueCode();
        var made = manufactured ?? DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-2);
        await using var conn = await db.OpenAsync();
        var id = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO cylinders (code, serial, spec, manufacturer, manufacture_date, owner_id, supply_station_id,
                                   last_inspection_date, next_inspection_date, scrap_date, status, detained)
            VALUES (@code, @serial, 'YSP35.5', '测试气瓶厂', @made, @owner, @station, @lastInspection, @nextInspection, @scrapDate, @status, @detained);
            SELECT LAST_INSERT_ID();
            """,
            new
            {
                code, serial = "S" + code, made = made.ToDateTime(TimeOnly.MinValue), owner, station,
                lastInspection = lastInspection?.ToDateTime(TimeOnly.MinValue), nextInspection = nextInspection?.ToDateTime(TimeOnly.MinValue),
                scrapDate = scrapDate?.ToDateTime(TimeOnly.MinValue), status, detained,
            });
        return new TestCylinder(id, code, owner, station);
    }

    /// <summary>Records a fill and updates the cylinder's summary, as the integration API will.</summary>
    public async Task FillAsync(TestCylinder cylinder, DateTime filledAtUtc, int? stationId = null)
    {
        var station = stationId ?? cylinder.OwnerId;
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO fills (filled_at, cylinder_id, station_id, owner_id) VALUES (@filledAtUtc, @Id, @station, @OwnerId);
            UPDATE cylinders SET last_fill_at = @filledAtUtc, last_fill_station_id = @station WHERE id = @Id AND (last_fill_at IS NULL OR last_fill_at < @filledAtUtc);
            """, new { filledAtUtc, cylinder.Id, station, cylinder.OwnerId });
        await services.GetRequiredService<CylinderCards>().InvalidateAsync(cylinder.Code);
    }

    /// <summary>Records a periodic inspection (the trace's event; the cylinder's summary dates are left as they are).</summary>
    public async Task InspectionAsync(TestCylinder cylinder, DateOnly on, string body = "福州市特种设备检验研究院", string result = "合格")
    {
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync(
            "INSERT INTO inspections (inspected_on, cylinder_id, inspection_body, result, next_inspection_date) VALUES (@on, @Id, @body, @result, @next)",
            new { on = on.ToDateTime(TimeOnly.MinValue), cylinder.Id, body, result, next = on.AddYears(4).ToDateTime(TimeOnly.MinValue) });
    }

    /// <summary>Records a delivery by a worker to a fresh household customer and updates the summary.</summary>
    public async Task<long> DeliveryAsync(TestCylinder cylinder, DateTime deliveredAtUtc, int workerId)
    {
        await using var conn = await db.OpenAsync();
        var customer = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO customers (kind, supply_station_id, district_code, name_enc) VALUES ('household', @StationId, '350102', @name);
            SELECT LAST_INSERT_ID();
            """, new { cylinder.StationId, name = new byte[] { 1, 2, 3 } });
        await conn.ExecuteAsync(
            """
            INSERT INTO deliveries (delivered_at, cylinder_id, supply_station_id, worker_id, customer_id) VALUES (@deliveredAtUtc, @Id, @StationId, @workerId, @customer);
            UPDATE cylinders SET last_delivery_at = @deliveredAtUtc, last_delivery_station_id = @StationId, last_delivery_worker_id = @workerId,
                   last_delivery_customer_id = @customer WHERE id = @Id AND (last_delivery_at IS NULL OR last_delivery_at < @deliveredAtUtc);
            """, new { deliveredAtUtc, cylinder.Id, cylinder.StationId, workerId, customer });
        await services.GetRequiredService<CylinderCards>().InvalidateAsync(cylinder.Code);
        return customer;
    }

    /// <summary>
    /// Waits (up to 60 s) until background routing has handled the complaint; returns its id. After 20 s without it, the
    /// routing job is queued once more, as the routing reconciler does in production for a complaint whose job was lost:
    /// a request that cannot queue its job (a Redis timeout on a loaded machine, seen in CI) answers all the same and leaves
    /// the complaint to the reconciler, which the tests do not run on its schedule. The job still has to run through Hangfire.
    /// </summary>
    public async Task<long> WaitUntilRoutedAsync(string number)
    {
        await using var conn = await db.OpenAsync();
        Task<long?> Routed() => conn.ExecuteScalarAsync<long?>(
            "SELECT c.id FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id WHERE c.number = @number AND r.status = 'done'", new { number });
        try
        {
            return (await Eventually.ReturnsAsync(Routed, found => found is not null, $"complaint {number} to be routed", TimeSpan.FromSeconds(20)))!.Value;
        }
        catch (Xunit.Sdk.XunitException)
        {
            var complaintId = await conn.ExecuteScalarAsync<long>("SELECT id FROM complaints WHERE number = @number", new { number });
            using (var scope = services.CreateScope())
                scope.ServiceProvider.GetRequiredService<CylinderTrace.Complaints.Routing.ComplaintRouter>().Enqueue(complaintId);
            return (await Eventually.ReturnsAsync(Routed, found => found is not null,
                $"complaint {number} to be routed (its job queued again after 20 s)", TimeSpan.FromSeconds(40)))!.Value;
        }
    }

    /// <summary>A new agency of its own (so a test's queue holds only its own complaints).</summary>
    public async Task<(int Id, string Code)> AgencyAsync(string kind = "gas_authority", string district = "350102")
    {
        var code = "test-" + UniqueCode().ToLowerInvariant();
        await using var conn = await db.OpenAsync();
        var id = await conn.ExecuteScalarAsync<int>(
            "INSERT INTO agencies (code, name, kind, district_code) VALUES (@code, @name, @kind, @district); SELECT LAST_INSERT_ID();",
            new { code, name = "测试单位" + code[^4..], kind, district });
        return (id, code);
    }

    public const string StaffPassword = "Test-password-2026";

    /// <summary>
    /// The hash of <see cref="StaffPassword"/>, made once by the host's hasher (PasswordHasher, PBKDF2): a hash
    /// costs tens of milliseconds of CPU, and the suite makes hundreds of staff members. Signing in still
    /// verifies it the usual way.
    /// </summary>
    private static readonly Lazy<string> StaffPasswordHash =
        new(() => new Microsoft.AspNetCore.Identity.PasswordHasher<CylinderTrace.Staff.StaffAccount>().HashPassword(new CylinderTrace.Staff.StaffAccount(), StaffPassword));

    /// <summary>A staff member (password <see cref="StaffPassword"/>, already changed from the initial one unless asked otherwise), stored through the staff store.</summary>
    public async Task<(int Id, string Username)> StaffAsync(string agencyCode, string role = "handler", bool mustChangePassword = false, string? name = null)
    {
        if (!CylinderTrace.Staff.StaffRoles.IsKnown(role)) throw new ArgumentException($"no such role: {role}", nameof(role));
        var username = "u" + UniqueCode().ToLowerInvariant();
        var store = services.GetRequiredService<CylinderTrace.Staff.StaffStore>();
        var agencyId = await store.AgencyIdAsync(agencyCode, CancellationToken.None) ?? throw new ArgumentException($"no such agency: {agencyCode}", nameof(agencyCode));
        var id = await store.InsertAsync(username, name ?? "测试" + role, role, agencyId, StaffPasswordHash.Value,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), DateTime.UtcNow, CancellationToken.None);
        if (!mustChangePassword)
        {
            await using var conn = await db.OpenAsync();
            await conn.ExecuteAsync("UPDATE staff SET must_change_password = 0 WHERE id = @id", new { id });
        }
        return (id, username);
    }

    /// <summary>Puts a routed complaint into an agency's queue (as if a rule had sent it there).</summary>
    public async Task MoveToAgencyAsync(long complaintId, int agencyId)
    {
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaints SET agency_id = @agencyId WHERE id = @complaintId", new { complaintId, agencyId });
    }

    /// <summary>Changes a cylinder behind the cache's back (no invalidation), to test what invalidation does.</summary>
    public async Task SetStatusWithoutInvalidatingAsync(string code, string status)
    {
        await using var conn = await db.OpenAsync();
        await conn.ExecuteAsync("UPDATE cylinders SET status = @status WHERE code = @code", new { status, code });
    }
}

public sealed record TestCylinder(long Id, string Code, int OwnerId, int StationId);
