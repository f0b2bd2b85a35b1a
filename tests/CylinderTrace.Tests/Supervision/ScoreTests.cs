using System.Net;
using System.Text.Json;
using CylinderTrace.Commercial;
using CylinderTrace.Supervision;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Supervision;

/// <summary>Enterprise scores and credit grades (issue 9): exact counts from a seeded month, explained and drilled into.</summary>
[Collection(Collections.Console)]
public sealed class Enterprise_scores(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    [Fact]
    public async Task count_every_rate_grade_the_enterprise_record_changes_and_show_what_lowered_them()
    {
        const string district = "350125";
        var filling = await fx.Data.EnterpriseAsync("filling", district: district);
        var station = await fx.Data.EnterpriseAsync("supply", parentId: filling, district: district);
        var owner = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(filling));
        var shop = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        await shop.PostOkAsync("workers",
            new { employeeNumber = "W1", name = "孙送气", permitNumber = "P1", permitValidUntil = today.AddYears(1) },
            new { employeeNumber = "W2", name = "周送气", permitNumber = "P2", permitValidUntil = today.AddDays(-60) });
        await shop.PostOkAsync("customers",
            // Real-name: H1's ID number passes GB 11643 and R1's credit code GB 32100; H2 gave none.
            new { customerId = "H1", kind = "household", districtCode = district, name = "吴居民", idNumber = "350125199001011232" },
            new { customerId = "H2", kind = "household", districtCode = district, name = "郑居民" },
            new { customerId = "R1", kind = "commercial", districtCode = district, businessName = "评分测试饭店", creditCode = "91440300708461136T" });
        // Both hold their 燃气经营许可证 (this test is about the rates; licence problems are Credit_rules').
        await fx.Data.GasSupplyLicenceAsync(filling);
        await fx.Data.GasSupplyLicenceAsync(station);
        var now = DateTimeOffset.UtcNow;
        string a = NewCode(), b = NewCode(), c = NewCode(), d = NewCode(), e = NewCode();
        foreach (var code in new[] { a, b, c, d, e })
            await owner.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2028-01-01" });
        // Fills ten days ago (A, B traced by deliveries, C never delivered) and two days ago (D: too recent to be held against anyone).
        var fillsResult = await owner.PostOkAsync("fills",
            new { eventId = "F-" + a, cylinderCode = a, filledAt = now.AddDays(-10) },
            new { eventId = "F-" + b, cylinderCode = b, filledAt = now.AddDays(-10) },
            new { eventId = "F-" + c, cylinderCode = c, filledAt = now.AddDays(-10) },
            new { eventId = "F-" + d, cylinderCode = d, filledAt = now.AddDays(-2) });
        Assert.Equal(4, fillsResult.GetProperty("stored").GetInt32());
        var deliveries = await shop.PostOkAsync("deliveries",
            new { eventId = "D-" + a, cylinderCode = a, deliveredAt = now.AddDays(-9), customerId = "H1", workerEmployeeNumber = "W1" },
            new { eventId = "D-" + b, cylinderCode = b, deliveredAt = now.AddDays(-9), customerId = "R1", workerEmployeeNumber = "W2" },
            new { eventId = "D-" + e, cylinderCode = e, deliveredAt = now.AddDays(-5), customerId = "H2" });
        Assert.Equal(3, deliveries.GetProperty("stored").GetInt32());

        // A detention order on A, not recalled by its deadline: escalated, and counted against the owner.
        var agency = await fx.Data.AgencyAsync("market_supervision", district);
        var inspector = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        var order = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = a, hazard = "瓶体变形", deadlineHours = 1 });
        Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        await using (var conn = await fx.Database.OpenAsync())
        {
            // Its deadline was yesterday (inside the scored window, which ends yesterday).
            await conn.ExecuteAsync("UPDATE detention_orders SET deadline_at = @past WHERE cylinder_code = @a", new { a, past = DateTime.UtcNow.AddDays(-1) });
            // An earlier rolling score graded B, so the new grade is a change.
            await conn.ExecuteAsync(
                """
                INSERT INTO enterprise_scores (enterprise_id, period, period_start, period_end, computed_at, deliveries, real_name_deliveries, permitted_deliveries, fills,
                    traced_fills, restaurant_deliveries, scanned_deliveries, escalated_orders, composite, grade)
                VALUES (@filling, 'rolling30', @start, @end, @now, 0, 0, 0, 0, 0, 0, 0, 0, 85, 'B')
                """, new { filling, start = today.AddDays(-40).ToDateTime(TimeOnly.MinValue), end = today.AddDays(-11).ToDateTime(TimeOnly.MinValue), now = DateTime.UtcNow });
        }
        await fx.Host.Services.GetRequiredService<DetentionOrders>().EscalateAsync(CancellationToken.None);
        await fx.Host.Services.GetRequiredService<ScanRateRollups>().RebuildAsync(today.AddDays(-35), today, "test", CancellationToken.None);

        var scores = fx.Host.Services.GetRequiredService<EnterpriseScores>();
        await scores.ComputeAsync(EnterpriseScores.Rolling, today.AddDays(-30), today.AddDays(-1), CancellationToken.None);
        var f = (await scores.HistoryAsync(filling, EnterpriseScores.Rolling, 1, CancellationToken.None)).Single();
        Assert.Equal((3, 2, 1, 3, 2, 1, 0, 1),
            (f.Deliveries, f.RealNameDeliveries, f.PermittedDeliveries, f.Fills, f.TracedFills, f.RestaurantDeliveries, f.ScannedDeliveries, f.EscalatedOrders));
        Assert.Equal(0.6667, f.RealNameRate);
        Assert.Equal(0.6667, f.TraceabilityRate);
        Assert.Equal(0.3333, f.DeliveryRate);
        Assert.Equal(0.0, f.ScanRate);
        // The four fills carried no fill check: four violations of the interlock, 2 points each.
        Assert.Equal(4, f.FillViolations);
        // Mean of the four rates ×100, less 5 for the escalated order, less 8 for the violations (the order itself was issued today, after the window).
        Assert.Equal(28.67, f.Composite!.Value, 0.011);
        Assert.Equal("D", f.Grade);
        var s = (await scores.HistoryAsync(station, EnterpriseScores.Rolling, 1, CancellationToken.None)).Single();
        // The station: its three deliveries, two of them after a fill; the order was the owner's.
        Assert.Equal((3, 3, 2, 0), (s.Deliveries, s.Fills, s.TracedFills, s.EscalatedOrders));
        Assert.Equal(41.67, s.Composite!.Value, 0.011);

        var change = (await scores.GradeChangesAsync(filling, CancellationToken.None)).First();
        Assert.Equal(("B", "D"), (change.From, change.To));
        // Computing the same window again records no second change.
        await scores.ComputeAsync(EnterpriseScores.Rolling, today.AddDays(-30), today.AddDays(-1), CancellationToken.None);
        Assert.Single(await scores.GradeChangesAsync(filling, CancellationToken.None));

        var lowering = await scores.LoweringRecordsAsync(filling, today.AddDays(-30), today.AddDays(-1), CancellationToken.None);
        Assert.Equal([e], lowering.Where(r => r.Kind == "real_name").Select(r => r.CylinderCode).ToArray());
        Assert.Equal(new[] { b, e }.Order(), lowering.Where(r => r.Kind == "delivery").Select(r => r.CylinderCode).Order());
        Assert.Equal([c], lowering.Where(r => r.Kind == "traceability").Select(r => r.CylinderCode).ToArray());
        Assert.Equal([b], lowering.Where(r => r.Kind == "scan").Select(r => r.CylinderCode).ToArray());
        Assert.Equal([a], lowering.Where(r => r.Kind == "escalated").Select(r => r.CylinderCode).ToArray());
        var violations = lowering.Where(r => r.Kind == "fill_violation").ToList();
        Assert.Equal(new[] { a, b, c, d }.Order(), violations.Select(r => r.CylinderCode).Order());
        Assert.All(violations, v => Assert.Equal("违规充装：未经充装前检查", v.Detail));
        // Every deduction links to its record.
        Assert.All(violations, v => Assert.Equal("/console/violations/" + v.Reference, v.Link));
        Assert.All(violations, v => Assert.Matches("^WG[0-9]+$", v.Reference));

        // The console: the district's agency sees the enterprise with its counts and lowering records; another district's does not.
        var page = await inspector.Http.GetStringAsync($"/console/scores/{filling}");
        Assert.Contains("id=\"grade\">D<", page);
        Assert.Contains(c, page);
        Assert.Contains("<svg class=\"trend wide\"", page);
        var list = await inspector.GetJsonAsync("/api/console/scores");
        Assert.Contains(list.EnumerateArray(), x => x.GetProperty("enterpriseId").GetInt32() == filling && x.GetProperty("grade").GetString() == "D");
        var elsewhere = await fx.Data.AgencyAsync("market_supervision", "350103");
        var outsider = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(elsewhere.Code, "inspector")).Username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync($"/api/console/scores/{filling}")).StatusCode);

        // The enterprise reads its own score through the integration API.
        var own = await owner.Http.SendAsync(owner.Signed(HttpMethod.Get, "/api/integration/v1/score"));
        var mine = JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement;
        var me = mine.EnumerateArray().Single(x => x.GetProperty("rolling30").ValueKind == JsonValueKind.Object
            && x.GetProperty("rolling30").GetProperty("enterpriseId").GetInt32() == filling);
        Assert.Equal("D", me.GetProperty("rolling30").GetProperty("grade").GetString());
        Assert.Equal("B", me.GetProperty("gradeChanges")[0].GetProperty("from").GetString());
    }
}
