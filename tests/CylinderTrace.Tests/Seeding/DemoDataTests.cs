using System.Text.Json;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Seeding;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Seeding;

/// <summary>The demo data set, generated once into a database of its own for the tests that read it.</summary>
public sealed class DemoDataSet : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public CylinderTraceHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestEnvironment.CreateDatabaseAsync();
        Host = new CylinderTraceHost(Database.ConnectionString, CylinderTraceHost.NewRedisPrefix());
        _ = Host.Server;
        var generator = new DataGenerator(Host.Services.GetRequiredService<Db>(), Host.Services.GetRequiredService<PersonalData>(),
            SeedPreset.Demo, 20261128, TimeProvider.System);
        await generator.RunAsync(CancellationToken.None);
        // As the seed command follows it: inspectors, scores, this month's plans with findings.
        CreditSummary = await CreditSeed.RunAsync(Host.Services, 20261128, CancellationToken.None);
    }

    public string CreditSummary { get; private set; } = "";

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The demo data set loads into an empty database and shows every card state (the tests only read it, so it is loaded once).</summary>
public sealed class The_demo_data_set(DemoDataSet set) : IClassFixture<DemoDataSet>
{
    private readonly DemoDataSet set = set;
    private readonly TestDatabase _db = set.Database;
    private readonly CylinderTraceHost _host = set.Host;

    [Fact]
    public async Task has_the_sizes_of_its_preset()
    {
        await using var conn = await _db.OpenAsync();
        var p = SeedPreset.Demo;
        Assert.Equal(p.Cylinders, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders"));
        Assert.Equal(p.Customers, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM customers"));
        Assert.Equal(p.FillingEnterprises, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM enterprises WHERE kind = 'filling'"));
        Assert.Equal(p.SupplyStations, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM enterprises WHERE kind = 'supply' AND parent_id IS NOT NULL"));
        Assert.Equal(p.Days * p.FillsPerDay + 1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills"));
        Assert.InRange(await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM deliveries"), p.Days * p.FillsPerDay * 8 / 10, p.Days * p.FillsPerDay);
        // Every cylinder summary points at its newest fill, where it has fill rows.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM cylinders c JOIN (SELECT cylinder_id, MAX(filled_at) m FROM fills GROUP BY cylinder_id) f ON f.cylinder_id = c.id WHERE c.last_fill_at <> f.m"));
    }

    [Fact]
    public async Task has_black_gas_leads_and_a_restaurants_alert_for_one_delivery()
    {
        await using var conn = await _db.OpenAsync();
        // Unregistered codes scanned through several channels, none of them a registered cylinder's.
        Assert.True(await conn.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT cylinder_code) FROM unregistered_scans") >= 12);
        Assert.True(await conn.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT channel) FROM unregistered_scans") >= 3);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM unregistered_scans u JOIN cylinders c ON c.code = u.cylinder_code"));
        // One alert lists the delivery's codes, each an unsafe receiving scan of the restaurant's owner; the first names its deliverer.
        var alert = await conn.QuerySingleAsync<(long Id, long CustomerId, string? Plate)>("SELECT id, customer_id, vehicle_plate FROM delivery_alerts ORDER BY id LIMIT 1");
        Assert.NotNull(alert.Plate);
        Assert.InRange(await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM delivery_alert_codes a JOIN receiving_scans s ON s.id = a.scan_id AND s.customer_id = @CustomerId AND s.outcome = 'unsafe' WHERE a.alert_id = @Id",
            new { alert.CustomerId, alert.Id }), 1, 3);
    }

    [Fact]
    public async Task has_fill_violations_open_and_resolved_for_the_bureaus_and_the_public_page()
    {
        await using var conn = await _db.OpenAsync();
        var byStatus = (await conn.QueryAsync<(string Status, int N)>("SELECT status, COUNT(*) FROM fill_violations GROUP BY status")).ToDictionary(x => x.Status, x => x.N);
        Assert.True(byStatus.GetValueOrDefault("open") > 0 && byStatus.GetValueOrDefault("resolved") > 0, string.Join(", ", byStatus));
        // Each with its number and the bureau that holds it; the upheld, resolved ones lower the score and are disclosed.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM fill_violations v LEFT JOIN agencies a ON a.id = v.agency_id WHERE v.number NOT LIKE 'WG%' OR a.kind <> 'market_supervision' OR a.id IS NULL"));
        Assert.True(await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM enterprise_score_deductions WHERE kind = 'fill_violation'") > 0);
        var view = await _host.Services.GetRequiredService<CylinderTrace.Supervision.PublicCredit>().ViewAsync(CancellationToken.None);
        Assert.Contains(view.Enterprises.SelectMany(e => e.Penalties), p => p.Number.StartsWith("WG"));
    }

    [Fact]
    public async Task has_black_gas_seizures_most_traced_to_a_station_whose_score_they_lower()
    {
        await using var conn = await _db.OpenAsync();
        var seizures = (await conn.QueryAsync<(string Number, string Code, int? StationId, string Status)>(
            "SELECT number, cylinder_code, station_id, status FROM black_gas_detentions ORDER BY id")).ToList();
        Assert.True(seizures.Count >= 3, set.CreditSummary);
        Assert.Contains(seizures, s => s.StationId is null);
        Assert.Contains(seizures, s => s.Status == "open");
        Assert.Contains(seizures, s => s.Status == "closed");
        // Each marks its code, so the card says 黑气瓶（已被查扣）.
        Assert.Equal(seizures.Count, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM black_gas_codes WHERE detention_number IN @numbers",
            new { numbers = seizures.Select(s => s.Number).ToList() }));
        // The traced ones lower their station's rolling score by the black_gas rule.
        var station = seizures.First(s => s.StationId is not null).StationId!.Value;
        Assert.True(await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM enterprise_score_deductions WHERE enterprise_id = @station AND kind = 'black_gas' AND records > 0", new { station }) > 0);
    }

    [Fact]
    public async Task has_receiving_scans_that_answer_restaurants_deliveries_and_rates_to_show()
    {
        await using var conn = await _db.OpenAsync();
        var restaurantDeliveries = await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM deliveries d JOIN customers c ON c.id = d.customer_id WHERE c.kind = 'commercial'");
        var answered = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM receiving_scan_deliveries");
        // Most restaurants scan most of what they receive; some do not.
        Assert.InRange(answered, restaurantDeliveries * 6 / 10, restaurantDeliveries * 98 / 100);
        // Every answer is a matched scan of that delivery's cylinder by the restaurant's owner, after the delivery.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            """
            SELECT COUNT(*) FROM receiving_scan_deliveries r
            JOIN deliveries d ON d.id = r.delivery_id
            LEFT JOIN receiving_scans s ON s.id = r.scan_id AND s.scanned_at = r.scanned_at AND s.delivery_id = d.id AND s.cylinder_id = d.cylinder_id
              AND s.customer_id = d.customer_id AND s.outcome = 'matched' AND s.scanned_at > d.delivered_at
            LEFT JOIN commercial_members m ON m.customer_id = s.customer_id AND m.user_id = s.user_id AND m.role = 'owner'
            WHERE s.id IS NULL OR m.user_id IS NULL
            """));
        // The roll-ups (as the seed command makes them) count exactly these, in every dimension.
        var live = _host.Services.GetRequiredService<CylinderTrace.Commercial.LiveScanRates>();
        await _host.Services.GetRequiredService<CylinderTrace.Commercial.ScanRateRollups>()
            .RebuildAsync(live.Today.AddDays(-SeedPreset.Demo.Days - 1), live.Today, "test", CancellationToken.None);
        foreach (var dimension in new[] { "customer", "worker", "station", "enterprise", "district" })
        {
            var (deliveries, scanned) = await conn.QuerySingleAsync<(long, long)>(
                "SELECT CAST(SUM(deliveries) AS SIGNED), CAST(SUM(scanned) AS SIGNED) FROM scan_rate_rollups WHERE period = 'd' AND dimension = @dimension", new { dimension });
            Assert.Equal((restaurantDeliveries, answered), ((int)deliveries, (int)scanned));
        }
    }

    [Fact]
    public async Task has_identities_most_of_which_check_out()
    {
        await using var conn = await _db.OpenAsync();
        var (households, validIds, businesses, validCodes, codes) = await conn.QuerySingleAsync<(long, long, long, long, long)>(
            """
            SELECT CAST(SUM(c.kind = 'household') AS SIGNED), CAST(SUM(i.id_number_valid = 1) AS SIGNED), CAST(SUM(c.kind = 'commercial') AS SIGNED),
                   CAST(SUM(i.credit_code_valid = 1) AS SIGNED), CAST(SUM(i.credit_code IS NOT NULL) AS SIGNED)
            FROM customers c JOIN customer_identities i ON i.customer_id = c.id
            """);
        Assert.Equal(SeedPreset.Demo.Customers, households + businesses);
        // About 94% of households and 85% of businesses check out: the real-name rate means something.
        Assert.InRange(validIds, households * 90 / 100, households * 97 / 100);
        Assert.InRange(validCodes, businesses * 75 / 100, businesses * 92 / 100);
        Assert.True(codes > validCodes);
        // What the table says is what the checks say of the numbers themselves.
        var pd = _host.Services.GetRequiredService<PersonalData>();
        foreach (var (enc, valid) in await conn.QueryAsync<(byte[], bool)>(
                     "SELECT c.id_number_enc, i.id_number_valid FROM customers c JOIN customer_identities i ON i.customer_id = c.id WHERE c.id_number_enc IS NOT NULL LIMIT 300"))
            Assert.Equal(valid, CylinderTrace.Enterprises.ResidentIdNumber.IsValid(pd.Decrypt(enc)));
        foreach (var (code, valid) in await conn.QueryAsync<(string, bool)>("SELECT credit_code, credit_code_valid FROM customer_identities WHERE credit_code IS NOT NULL"))
            Assert.Equal(valid, CylinderTrace.Enterprises.UnifiedSocialCreditCode.IsValid(code));
    }

    [Fact]
    public async Task has_this_months_inspection_plans_with_findings_and_a_public_page()
    {
        await using var conn = await _db.OpenAsync();
        var bureaus = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM agencies WHERE kind = 'market_supervision'");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var month = new DateOnly(today.Year, today.Month, 1).ToDateTime(TimeOnly.MinValue);
        Assert.Equal(bureaus, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM inspection_plans WHERE month = @month", new { month }));
        var (targets, done) = await conn.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), CAST(COALESCE(SUM(status = 'done'), 0) AS SIGNED) FROM inspection_plan_targets");
        Assert.True(targets > 0 && done > 0 && done < targets, set.CreditSummary);
        // Every plan runs again from its seed to the same targets.
        var plans = _host.Services.GetRequiredService<CylinderTrace.Supervision.InspectionPlans>();
        foreach (var id in await conn.QueryAsync<long>("SELECT id FROM inspection_plans"))
        {
            var plan = (await plans.GetAsync(id, CancellationToken.None))!;
            Assert.Equal(plan.Targets.Select(t => t.EnterpriseId),
                CylinderTrace.Supervision.InspectionDraw.Draw(plan.Summary.Seed, plan.Candidates, plan.Inspectors, plan.Rates).Select(t => t.EnterpriseId));
        }
        var page = await _host.CreateClient().GetStringAsync("/public/credit");
        Assert.Contains("瓶装燃气企业信用信息公示", page);
        Assert.Equal(SeedPreset.Demo.FillingEnterprises + SeedPreset.Demo.SupplyStations, System.Text.RegularExpressions.Regex.Count(page, "<section class=\"enterprise"));
    }

    [Fact]
    public async Task keeps_buyers_personal_data_protected()
    {
        await using var conn = await _db.OpenAsync();
        var row = await conn.QueryFirstAsync<(byte[] Name, byte[] Phone, byte[] PhoneHash)>(
            "SELECT name_enc, phone_enc, phone_hash FROM customers WHERE kind = 'household' ORDER BY id LIMIT 1");
        var pd = _host.Services.GetRequiredService<PersonalData>();
        var phone = pd.Decrypt(row.Phone)!;
        Assert.Matches("^1[3-9][0-9]{9}$", phone);
        Assert.Equal(pd.Hash(phone), row.PhoneHash);
        Assert.InRange(pd.Decrypt(row.Name)!.Length, 2, 3);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM customers WHERE CAST(phone_enc AS CHAR) REGEXP '1[3-9][0-9]{9}'"));
    }

    [Theory]
    [InlineData(1, "in_service")]
    [InlineData(2, "inspection_due_soon")]
    [InlineData(3, "inspection_overdue")]
    [InlineData(4, "past_scrap_date")]
    [InlineData(5, "scrapped")]
    [InlineData(6, "detained")]
    [InlineData(7, "foreign_filled")]
    public async Task shows_each_state_on_its_showcase_cylinder(int id, string state)
    {
        var card = JsonDocument.Parse(await _host.CreateClient().GetStringAsync($"/api/cylinders/{DataGenerator.Code(id)}/card")).RootElement;
        Assert.Equal(state, card.GetProperty("status").GetProperty("code").GetString());
        if (id == 7) Assert.False(card.GetProperty("lastFill").GetProperty("filledByOwner").GetBoolean());
        // The overdue showcase was never filled before its due date: an illegal fill, or none that could be legal.
        if (id == 3) Assert.Equal("cylinder_overdue", card.GetProperty("status").GetProperty("suggestedComplaintCategory").GetString());
    }

    [Fact]
    public async Task has_a_realistic_mix_of_states()
    {
        await using var conn = await _db.OpenAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToDateTime(TimeOnly.MinValue);
        var total = (double)SeedPreset.Demo.Cylinders;
        var overdue = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE next_inspection_date < @today AND scrap_date > @today AND status = 'in_service'", new { today });
        var pastScrap = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE scrap_date <= @today AND status = 'in_service'", new { today });
        var scrapped = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE status = 'scrapped'");
        var foreign = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills WHERE station_id <> owner_id");
        Assert.InRange(overdue / total, 0.005, 0.08);
        Assert.InRange(pastScrap / total, 0.003, 0.03);
        Assert.InRange(scrapped / total, 0.001, 0.02);
        Assert.InRange(foreign / (double)(SeedPreset.Demo.Days * SeedPreset.Demo.FillsPerDay), 0.005, 0.04);
    }
}
