using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Enterprises;
using CylinderTrace.MiniProgram;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Supervision;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Supervision;

/// <summary>
/// Credit that counts what matters (issue 18 item 3) and its consequences (item 4): deductions with links to their records, the
/// real-name rate by GB 11643 / GB 32100, the 双随机 plans (drawn, audited, inspected, published), the public disclosure and the
/// licence review list.
/// </summary>
[Collection(Collections.Console)]
public sealed class Credit_rules(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));

    private async Task<(string Number, long Id)> ClosedComplaintAsync(string cylinderCode, string outcome, string district)
    {
        var user = await fx.Host.Services.GetRequiredService<MiniProgramUsers>().SignInAsync("oCredit" + TestData.UniqueCode(), null, CancellationToken.None);
        var number = "TS" + Today.ToString("yyyyMMdd") + "-" + Random.Shared.Next(100000, 999999);
        await using var conn = await fx.Database.OpenAsync();
        var id = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO complaints (number, user_id, idempotency_key, request_hash, category, description, cylinder_code, district_code, status, created_at, updated_at)
            VALUES (@number, @user, @key, REPEAT('0', 64), 'cylinder_overdue', '气瓶超期未检仍在使用', @cylinderCode, @district, 'closed', @at, @at);
            SELECT LAST_INSERT_ID();
            """, new { number, user, key = TestData.UniqueCode(), cylinderCode, district, at = DateTime.UtcNow.AddDays(-4) });
        await conn.ExecuteAsync("INSERT INTO complaint_handling (complaint_id, outcome, closed_at) VALUES (@id, @outcome, @at)",
            new { id, outcome, at = DateTime.UtcNow.AddDays(-2) });
        return (number, id);
    }

    [Fact]
    public async Task deductions_count_complaints_detentions_and_licences_each_linked_to_its_record_and_real_name_needs_a_valid_number()
    {
        const string district = "350128";
        var filling = await fx.Data.EnterpriseAsync("filling", district: district); // holds a 气瓶充装许可证, no 燃气经营许可证
        var station = await fx.Data.EnterpriseAsync("supply", parentId: filling, district: district);
        await fx.Data.GasSupplyLicenceAsync(station, until: Today.AddDays(-10)); // lapsed ten days ago
        var owner = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(filling));
        var shop = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        var customers = await shop.PostOkAsync("customers",
            new { customerId = "H1", kind = "household", districtCode = district, name = "吴居民", idNumber = "11010519491231002x" },
            new { customerId = "H2", kind = "household", districtCode = district, name = "郑居民", idNumber = "110105194912310021" },
            new { customerId = "R1", kind = "commercial", districtCode = district, businessName = "信用测试饭店", creditCode = "91110108551385082Q" },
            new { customerId = "R2", kind = "commercial", districtCode = district, businessName = "信用测试餐馆", creditCode = "91110108551385082A" },
            new { customerId = "R3", kind = "commercial", districtCode = district, businessName = "信用测试小吃" },
            new { customerId = "R4", kind = "commercial", districtCode = district, businessName = "信用测试面馆", creditCode = "9111" });
        // A credit code that is not 18 characters is refused with the field named; one with a wrong check character is stored.
        Assert.Contains(customers.GetProperty("rejected").EnumerateArray(), p => p.GetProperty("field").GetString() == "creditCode");
        string a = NewCode(), b = NewCode(), c = NewCode(), d = NewCode(), e = NewCode();
        foreach (var code in new[] { a, b, c, d, e })
            await owner.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2028-01-01" });
        var now = DateTimeOffset.UtcNow;
        await shop.PostOkAsync("deliveries",
            new { eventId = "D-" + a, cylinderCode = a, deliveredAt = now.AddDays(-3), customerId = "H1" },
            new { eventId = "D-" + b, cylinderCode = b, deliveredAt = now.AddDays(-3), customerId = "H2" },
            new { eventId = "D-" + c, cylinderCode = c, deliveredAt = now.AddDays(-3), customerId = "R1" },
            new { eventId = "D-" + d, cylinderCode = d, deliveredAt = now.AddDays(-3), customerId = "R2" },
            new { eventId = "D-" + e, cylinderCode = e, deliveredAt = now.AddDays(-3), customerId = "R3" });

        // Complaints about cylinders a (substantiated) and b (partly); orders on c (scrapped) and d (still open).
        var (substantiated, _) = await ClosedComplaintAsync(a, "substantiated", district);
        var (partly, _) = await ClosedComplaintAsync(b, "partly", district);
        await ClosedComplaintAsync(e, "unsubstantiated", district);
        var agency = await fx.Data.AgencyAsync("market_supervision", district);
        var inspector = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        var scrapped = (await inspector.PostAsync("/api/console/detentions", new { cylinderCode = c, hazard = "瓶体严重腐蚀", deadlineHours = 48 }));
        Assert.Equal(HttpStatusCode.Created, scrapped.StatusCode);
        var scrappedNumber = JsonDocument.Parse(await scrapped.Content.ReadAsStringAsync()).RootElement.GetProperty("number").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await inspector.PostAsync("/api/console/detentions", new { cylinderCode = d, hazard = "角阀漏气", deadlineHours = 48 })).StatusCode);
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE detention_orders SET status = 'closed', disposal = 'scrapped', closed_at = NOW(3), issued_at = @at WHERE number = @scrappedNumber",
                new { scrappedNumber, at = DateTime.UtcNow.AddDays(-2) });
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE detention_orders SET issued_at = @at WHERE cylinder_code = @d", new { d, at = DateTime.UtcNow.AddDays(-2) });

        var scores = fx.Host.Services.GetRequiredService<EnterpriseScores>();
        await scores.ComputeAsync(EnterpriseScores.Rolling, Today.AddDays(-30), Today.AddDays(-1), CancellationToken.None);
        var s = (await scores.HistoryAsync(station, EnterpriseScores.Rolling, 1, CancellationToken.None)).Single();
        // H1 (the standard's number, lower-case x) and R1 count; H2 and R2 fail their checks; R3 gave no code.
        Assert.Equal((5, 2), (s.Deliveries, s.RealNameDeliveries));
        var deductions = (await scores.DeductionsAsync(filling, EnterpriseScores.Rolling, Today.AddDays(-30), CancellationToken.None)).ToDictionary(x => x.Kind);
        Assert.Equal((2, 4.5), (deductions["complaint"].Records, deductions["complaint"].Points)); // 3 + 1.5 for the partly substantiated one
        Assert.Equal((2, 6.0), (deductions["detention"].Records, deductions["detention"].Points)); // scrapped 4 + open 2
        Assert.Equal((1, 20.0), (deductions["licence"].Records, deductions["licence"].Points)); // no 燃气经营许可证
        var stationDeductions = await scores.DeductionsAsync(station, EnterpriseScores.Rolling, Today.AddDays(-30), CancellationToken.None);
        Assert.Contains(stationDeductions, x => x.Kind == "licence" && x.Records == 1); // lapsed during the period
        Assert.DoesNotContain(stationDeductions, x => x.Kind == "detention"); // the orders named the owner, not its station

        var lowering = await scores.LoweringRecordsAsync(filling, Today.AddDays(-30), Today.AddDays(-1), CancellationToken.None);
        Assert.Equal(new[] { partly, substantiated }.Order(), lowering.Where(r => r.Kind == "complaint").Select(r => r.Reference!).Order());
        Assert.All(lowering.Where(r => r.Kind == "complaint"), r => Assert.Equal("/console/complaints/" + r.Reference, r.Link));
        Assert.Contains(lowering, r => r.Kind == "detention" && r.Link == "/console/detentions/" + scrappedNumber && r.Detail.Contains("报废"));
        Assert.Contains(lowering, r => r.Kind == "licence" && r.Link == "/console/licences" && r.Detail == "燃气经营许可证未登记");
        Assert.Contains(lowering, r => r.Kind == "real_name" && r.CylinderCode == b && r.Detail.EndsWith("身份证号校验不通过"));
        Assert.Contains(lowering, r => r.Kind == "real_name" && r.CylinderCode == d && r.Detail.EndsWith("统一社会信用代码校验不通过"));
        Assert.Contains(lowering, r => r.Kind == "real_name" && r.CylinderCode == e && r.Detail.EndsWith("未登记统一社会信用代码"));

        // The console shows each deduction and links to its record.
        var page = await inspector.Http.GetStringAsync($"/console/scores/{filling}");
        Assert.Contains($"href=\"/console/complaints/{substantiated}\"", page);
        Assert.Contains($"href=\"/console/detentions/{scrappedNumber}\"", page);
        Assert.Contains("id=\"deductions\"", page);
        Assert.Contains("投诉属实", page);
    }

    /// <summary>
    /// The black_gas rule (docs/SCORING.md): a black-gas detention traced to a station (through the delivering worker it names)
    /// deducts from the station and its filling enterprise, by how it ended, linked to the detention; an untraced one deducts from no
    /// one; once closed it is disclosed on the public page under the station.
    /// </summary>
    [Fact]
    public async Task a_black_gas_detention_traced_to_a_station_deducts_from_it_and_its_filler_linked_to_the_detention_and_is_disclosed_once_closed()
    {
        const string district = "350181";
        var filling = await fx.Data.EnterpriseAsync("filling", district: district);
        var station = await fx.Data.EnterpriseAsync("supply", parentId: filling, district: district);
        var otherFilling = await fx.Data.EnterpriseAsync("filling", district: district);
        var otherStation = await fx.Data.EnterpriseAsync("supply", parentId: otherFilling, district: district);
        var worker = await fx.Data.WorkerAsync(station, name: "林送气");
        await fx.Data.WorkerAsync(otherStation, name: "王送气");
        var permit = "SGZ" + TestData.UniqueCode();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE delivery_workers SET permit_number = @permit WHERE id = @worker", new { permit, worker });
        var agency = await fx.Data.AgencyAsync("market_supervision", district);
        var inspector = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        async Task<string> SeizeAsync(object deliverer)
        {
            var body = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(deliverer))!.AsObject();
            body["cylinderCode"] = NewCode();
            body["hazard"] = "未登记的液化石油气钢瓶，来源不明";
            body["place"] = "福清市某小吃店后厨";
            var issued = await inspector.PostAsync("/api/console/detentions", body);
            var text = await issued.Content.ReadAsStringAsync();
            Assert.True(issued.StatusCode == HttpStatusCode.Created, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("number").GetString()!;
        }
        var confiscated = await SeizeAsync(new { workerPermitNumber = permit });
        var returned = await SeizeAsync(new { workerPermitNumber = permit });
        var open = await SeizeAsync(new { workerPermitNumber = permit });
        var untraced = await SeizeAsync(new { workerName = "无名送气工", stationName = "某无证气站" });
        Assert.Equal("closed", (await inspector.PostOkAsync($"/api/console/black-gas-detentions/{confiscated}/dispose", new { disposal = "confiscated" })).GetProperty("status").GetString());
        Assert.Equal("closed", (await inspector.PostOkAsync($"/api/console/black-gas-detentions/{returned}/dispose", new { disposal = "returned_registered" })).GetProperty("status").GetString());
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE black_gas_detentions SET issued_at = @at WHERE number IN @numbers",
                new { at = DateTime.UtcNow.AddDays(-2), numbers = new[] { confiscated, returned, open, untraced } });

        var scores = fx.Host.Services.GetRequiredService<EnterpriseScores>();
        await scores.ComputeAsync(EnterpriseScores.Rolling, Today.AddDays(-30), Today.AddDays(-1), CancellationToken.None);
        // Confiscated 5 + open 5 + registered and returned 2, against the station and its filling enterprise alike.
        foreach (var traced in new[] { station, filling })
        {
            var blackGas = (await scores.DeductionsAsync(traced, EnterpriseScores.Rolling, Today.AddDays(-30), CancellationToken.None)).Single(x => x.Kind == "black_gas");
            Assert.Equal((3, 12.0), (blackGas.Records, blackGas.Points));
        }
        foreach (var notTraced in new[] { otherStation, otherFilling })
            Assert.DoesNotContain(await scores.DeductionsAsync(notTraced, EnterpriseScores.Rolling, Today.AddDays(-30), CancellationToken.None), x => x.Kind == "black_gas");

        // Each record links to its detention, whose page opens; the untraced one is nobody's.
        var lowering = (await scores.LoweringRecordsAsync(filling, Today.AddDays(-30), Today.AddDays(-1), CancellationToken.None)).Where(r => r.Kind == "black_gas").ToList();
        Assert.Equal(new[] { confiscated, returned, open }.Order(), lowering.Select(r => r.Reference!).Order());
        Assert.All(lowering, r => Assert.Equal("/console/black-gas/detentions/" + r.Reference, r.Link));
        Assert.Contains(lowering, r => r.Reference == confiscated && r.Detail.Contains("依法没收"));
        var page = await inspector.Http.GetStringAsync($"/console/scores/{station}");
        Assert.Contains($"href=\"/console/black-gas/detentions/{confiscated}\"", page);
        Assert.Contains("黑气瓶（配送未登记气瓶）", page);
        Assert.DoesNotContain(untraced, page);
        var api = await inspector.GetJsonAsync($"/api/console/scores/{filling}");
        Assert.Contains(api.GetProperty("deductions").EnumerateArray(), x => x.GetProperty("kind").GetString() == "black_gas");
        Assert.Contains(confiscated, await inspector.Http.GetStringAsync($"/console/black-gas/detentions/{confiscated}"));

        // The public page discloses the closed ones under the station, not the open or the untraced one, and no deliverer or place.
        var memory = fx.Host.Services.GetRequiredService<Microsoft.Extensions.Caching.Memory.IMemoryCache>();
        memory.Remove(PublicCredit.CacheKey);
        var view = await fx.Host.Services.GetRequiredService<PublicCredit>().ViewAsync(CancellationToken.None);
        var disclosed = view.Enterprises.Single(e => e.Id == station).Penalties;
        Assert.Equal(new[] { confiscated, returned }.Order(), disclosed.Select(p => p.Number).Order());
        Assert.Equal("查扣，依法没收", disclosed.Single(p => p.Number == confiscated).Penalty);
        Assert.DoesNotContain(view.Enterprises.SelectMany(e => e.Penalties), p => p.Number == open || p.Number == untraced);
        var html = await fx.Host.Services.GetRequiredService<CylinderTrace.Platform.Html.ComponentHtml>()
            .RenderAsync<CylinderTrace.Supervision.Pages.PublicCreditPage>(new Dictionary<string, object?> { ["View"] = view });
        Assert.Contains(confiscated, html);
        Assert.Contains("配送未在本市登记的气瓶（黑气瓶）", html);
        Assert.DoesNotContain("林送气", html);
        Assert.DoesNotContain("某小吃店", html);
    }

    [Fact]
    public async Task customers_stored_before_the_check_are_checked_by_the_nightly_pass()
    {
        var station = await fx.Data.EnterpriseAsync("supply");
        var personal = fx.Host.Services.GetRequiredService<PersonalData>();
        long valid, invalid;
        await using (var conn = await fx.Database.OpenAsync())
        {
            const string insert =
                "INSERT INTO customers (kind, supply_station_id, district_code, id_number_enc, external_id) VALUES ('household', @station, '350102', @enc, @ext); SELECT LAST_INSERT_ID();";
            valid = await conn.ExecuteScalarAsync<long>(insert, new { station, enc = personal.Encrypt("440524188001010014"), ext = "OLD1" });
            invalid = await conn.ExecuteScalarAsync<long>(insert, new { station, enc = personal.Encrypt("440524188001010015"), ext = "OLD2" });
        }
        Assert.True(await fx.Host.Services.GetRequiredService<CustomerIdentities>().CheckUncheckedAsync(CancellationToken.None) >= 2);
        await using (var conn = await fx.Database.OpenAsync())
        {
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT id_number_valid FROM customer_identities WHERE customer_id = @valid", new { valid }));
            Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT id_number_valid FROM customer_identities WHERE customer_id = @invalid", new { invalid }));
        }
        // Nothing left to check.
        Assert.Equal(0, await fx.Host.Services.GetRequiredService<CustomerIdentities>().CheckUncheckedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task a_month_is_drawn_once_audited_from_its_seed_inspected_by_its_pair_published_and_D_grades_go_to_licence_review()
    {
        const string district = "350181";
        var bureau = await fx.Data.AgencyAsync("market_supervision", district);
        var supervisor = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(bureau.Code, "supervisor")).Username, TestData.StaffPassword);
        var inspectors = new List<(int Id, string Username)>();
        for (var i = 0; i < 4; i++) inspectors.Add(await fx.Data.StaffAsync(bureau.Code, "inspector", name: "检查员" + i));
        // A filling enterprise graded D, and one with three open violations of the interlock (serious: an overdue cylinder filled).
        var graded = await fx.Data.EnterpriseAsync("filling", name: "D级测试燃气有限公司" + TestData.UniqueCode()[..4], district: district);
        var violator = await fx.Data.EnterpriseAsync("filling", name: "违规测试燃气有限公司" + TestData.UniqueCode()[..4], district: district);
        for (var i = 0; i < 5; i++) await fx.Data.EnterpriseAsync("supply", district: district);
        await using (var conn = await fx.Database.OpenAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO enterprise_scores (enterprise_id, period, period_start, period_end, computed_at, deliveries, real_name_deliveries, permitted_deliveries, fills,
                    traced_fills, restaurant_deliveries, scanned_deliveries, escalated_orders, composite, grade)
                VALUES (@graded, 'rolling30', @start, @end, NOW(3), 10, 1, 1, 10, 1, 0, 0, 0, 40, 'D')
                ON DUPLICATE KEY UPDATE grade = 'D', composite = 40
                """, new { graded, start = Today.AddDays(-30).ToDateTime(TimeOnly.MinValue), end = Today.AddDays(-1).ToDateTime(TimeOnly.MinValue) });
            for (var i = 0; i < 3; i++)
                await conn.ExecuteAsync(
                    """
                    INSERT INTO fill_violations (enterprise_id, station_id, external_event_id, cylinder_code, filled_at, kinds, district_code, agency_id, status, created_at, updated_at)
                    VALUES (@violator, @violator, @ev, 'FZ0000000001', NOW(3), 'inspection_overdue,no_check', @district, @agency, 'open', NOW(3), NOW(3))
                    """, new { violator, ev = "EV" + TestData.UniqueCode(), district, agency = bureau.Id });
        }
        var month = Today.ToString("yyyy-MM");

        // Inspectors and handlers do not draw; the supervisor does, once: drawing again returns the same plan.
        var inspector0 = await ConsoleClient.SignInAsync(fx.Host, inspectors[0].Username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector0.PostAsync("/api/console/inspection-plans", new { month })).StatusCode);
        var plan = await supervisor.PostOkAsync("/api/console/inspection-plans", new { month, seed = "publicseed2026" });
        var again = await supervisor.PostOkAsync("/api/console/inspection-plans", new { month, seed = "anotherseed2026" });
        var planId = plan.GetProperty("summary").GetProperty("id").GetInt64();
        Assert.Equal(planId, again.GetProperty("summary").GetProperty("id").GetInt64());
        Assert.Equal("publicseed2026", again.GetProperty("summary").GetProperty("seed").GetString());
        var targets = plan.GetProperty("targets").EnumerateArray().ToList();
        Assert.Contains(targets, t => t.GetProperty("enterpriseId").GetInt32() == violator && t.GetProperty("reason").GetString() == "serious_violation");
        Assert.Contains(plan.GetProperty("candidates").EnumerateArray(), x => x.GetProperty("id").GetInt32() == graded && x.GetProperty("stratum").GetString() == "D");
        Assert.All(targets, t => Assert.Contains(t.GetProperty("inspectorA").GetInt32(), inspectors.Select(i => i.Id)));

        // Anyone re-runs the draw from what is published.
        var published = await fx.Host.CreateClient().GetFromJsonAsync<JsonElement>($"/api/public/inspection-plans/{planId}");
        var candidates = published.GetProperty("candidates").EnumerateArray()
            .Select(x => new DrawCandidate(x.GetProperty("id").GetInt32(), x.GetProperty("name").GetString()!, x.GetProperty("stratum").GetString()!, x.GetProperty("mandatory").GetBoolean())).ToList();
        var publishedInspectors = published.GetProperty("inspectors").EnumerateArray().Select(x => new DrawInspector(x.GetProperty("id").GetInt32(), x.GetProperty("name").GetString()!)).ToList();
        var rates = published.GetProperty("rates").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        var redrawn = InspectionDraw.Draw(published.GetProperty("seed").GetString()!, candidates, publishedInspectors, rates);
        Assert.Equal(redrawn.Select(t => (t.EnterpriseId, t.InspectorA, t.InspectorB)),
            published.GetProperty("targets").EnumerateArray().Select(t => (t.GetProperty("enterpriseId").GetInt32(), (int?)t.GetProperty("inspectorA").GetInt32(), (int?)t.GetProperty("inspectorB").GetInt32())));
        Assert.DoesNotContain("检查员", published.GetRawText()); // inspectors' names masked

        // Another agency's members see none of it: every plan route answers 404 (found from the host's route table).
        var other = await fx.Data.AgencyAsync("market_supervision", district);
        var outsider = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(other.Code, "inspector")).Username, TestData.StaffPassword);
        var outsiderToken = await outsider.FormTokenAsync();
        var violatorTarget = targets.Single(t => t.GetProperty("enterpriseId").GetInt32() == violator);
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(r => r.RoutePattern.RawText is { } p && p.Contains("{plan"))
            .SelectMany(r => (r.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: r.RoutePattern.RawText!)))
            .Where(r => r.Pattern.Contains("/console")).ToList();
        Assert.True(routes.Count >= 5, $"expected the plan routes, found {routes.Count}");
        foreach (var (method, pattern) in routes)
        {
            var path = pattern.Replace("{plan:long}", planId.ToString()).Replace("{enterpriseId:int}", violator.ToString()).Replace("{sha}", new string('a', 64));
            var response = method == "GET" ? await outsider.GetAsync(path)
                : path.StartsWith("/api/") ? await outsider.PostAsync(path, new { outcome = "no_problem", findings = "越权记录" })
                : await outsider.PostFormAsync(path, outsiderToken, new Dictionary<string, string> { ["outcome"] = "no_problem", ["findings"] = "越权记录" });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} → {(int)response.StatusCode}");
        }

        // Only the pair drawn for it records the finding, with a photo through the photo path, once.
        int pairA = violatorTarget.GetProperty("inspectorA").GetInt32(), pairB = violatorTarget.GetProperty("inspectorB").GetInt32();
        var stranger = inspectors.First(i => i.Id != pairA && i.Id != pairB);
        var notPair = await ConsoleClient.SignInAsync(fx.Host, stranger.Username, TestData.StaffPassword);
        var finding = new { outcome = "case_opened", findings = "现场发现超期未检气瓶已充装，已立案调查。", inspectedOn = Today.ToString("yyyy-MM-dd"), photoIds = Array.Empty<string>() };
        Assert.Equal(HttpStatusCode.Forbidden, (await notPair.PostAsync($"/api/console/inspection-plans/{planId}/targets/{violator}/finding", finding)).StatusCode);
        var pair = await ConsoleClient.SignInAsync(fx.Host, inspectors.Single(i => i.Id == pairA).Username, TestData.StaffPassword);
        using var upload = new MultipartFormDataContent();
        var image = new ByteArrayContent(SamplePhotos.Jpeg(3));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        upload.Add(image, "file", "site.jpg");
        var uploaded = await pair.Http.PostAsync("/api/console/inspection-photos", upload);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var photoId = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        Assert.Equal(HttpStatusCode.BadRequest, (await pair.PostAsync($"/api/console/inspection-plans/{planId}/targets/{violator}/finding",
            finding with { outcome = "fine" })).StatusCode);
        var recorded = await pair.PostOkAsync($"/api/console/inspection-plans/{planId}/targets/{violator}/finding", finding with { photoIds = new[] { photoId } });
        Assert.Equal("done", recorded.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("enterpriseId").GetInt32() == violator).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await pair.PostAsync($"/api/console/inspection-plans/{planId}/targets/{violator}/finding", finding)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync($"/console/inspection-plans/{planId}/targets/{violator}/photos/{photoId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/console/inspection-plans/{planId}/targets/{violator}/photos/{photoId}")).StatusCode);
        Assert.Contains("现场发现超期未检气瓶已充装", await supervisor.Http.GetStringAsync($"/console/inspection-plans/{planId}"));

        // The agency's digest shows the plan's progress.
        var figures = await fx.Host.Services.GetRequiredService<DigestContent>().GatherAsync(bureau.Id, district, DigestKinds.Daily, Today.AddDays(-1), Today, CancellationToken.None);
        var progress = Assert.Single(figures.InspectionPlans!);
        Assert.Equal((targets.Count, 1), (progress.Targets, progress.Done));

        // The licence review list: the D grade for both licences, the repeated violations for the filling licence.
        await fx.Host.Services.GetRequiredService<LicenceReviews>().RefreshAsync(CancellationToken.None);
        var reviews = (await supervisor.GetJsonAsync("/api/console/licence-reviews")).EnumerateArray().ToList();
        var gradedReview = reviews.Single(r => r.GetProperty("enterpriseId").GetInt32() == graded);
        Assert.Equal(("cylinder_filling", "信用等级为D级"), (gradedReview.GetProperty("licenceKind").GetString(), gradedReview.GetProperty("reasons").GetString()));
        Assert.Equal("近12个月违规充装3起", reviews.Single(r => r.GetProperty("enterpriseId").GetInt32() == violator).GetProperty("reasons").GetString());
        Assert.Contains("D级测试燃气有限公司", await supervisor.Http.GetStringAsync("/console/licence-reviews"));
        var reviewId = gradedReview.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector0.PostAsync($"/api/console/licence-reviews/{reviewId}/decision", new { decision = "suspended", note = "x" })).StatusCode);
        // Another district's bureau does not review this district's enterprises.
        var farBureau = await fx.Data.AgencyAsync("market_supervision", "350102");
        var far = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(farBureau.Code, "supervisor")).Username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await far.PostAsync($"/api/console/licence-reviews/{reviewId}/decision", new { decision = "suspended", note = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PostAsync($"/api/console/licence-reviews/{reviewId}/decision",
            new { decision = "suspended", note = "信用等级D级，责令停业整顿，暂停充装许可。" })).StatusCode);
        var licences = await fx.Host.Services.GetRequiredService<EnterpriseLicences>().OfAsync([graded], CancellationToken.None);
        Assert.Equal("suspended", licences.Single(l => l.Kind == "cylinder_filling").Status);
        // Refreshing again lists nobody twice: the open listing stays one, and a decided one is not repeated the next night.
        await fx.Host.Services.GetRequiredService<LicenceReviews>().RefreshAsync(CancellationToken.None);
        var after = (await supervisor.GetJsonAsync("/api/console/licence-reviews")).EnumerateArray().ToList();
        Assert.Single(after, r => r.GetProperty("enterpriseId").GetInt32() == violator);
        Assert.Equal("closed", Assert.Single(after, r => r.GetProperty("enterpriseId").GetInt32() == graded).GetProperty("status").GetString());

        // The public disclosure: every enterprise with its licences and grade, D flagged, the inspection's outcome; no personal data, no script.
        var anonymous = fx.Host.CreateClient();
        var json = await anonymous.GetAsync("/api/public/enterprises");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("public, max-age=300", json.Headers.CacheControl!.ToString());
        var view = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
        var listed = view.GetProperty("enterprises").EnumerateArray().ToList();
        var d = listed.Single(x => x.GetProperty("id").GetInt32() == graded);
        Assert.True(d.GetProperty("gradeD").GetBoolean());
        Assert.Equal("suspended", d.GetProperty("licences").EnumerateArray().Single().GetProperty("status").GetString());
        var v = listed.Single(x => x.GetProperty("id").GetInt32() == violator);
        Assert.Equal("发现问题，已立案查处", v.GetProperty("inspections")[0].GetProperty("outcomeLabel").GetString());
        Assert.DoesNotContain("现场发现", view.GetRawText()); // the findings text stays internal
        var html = await anonymous.GetAsync("/public/credit");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Contains("style-src 'unsafe-inline'", html.Headers.GetValues("Content-Security-Policy").Single());
        var body = await html.Content.ReadAsStringAsync();
        Assert.Contains("name=\"viewport\"", body);
        Assert.Contains("D级 · 重点监管", body);
        Assert.Contains("publicseed2026", body);
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);

        // It is public, so it is rate-limited per address: past the limit, 429 with Retry-After.
        HttpResponseMessage last;
        var tries = 0;
        do last = await anonymous.GetAsync("/api/public/enterprises");
        while (last.StatusCode == HttpStatusCode.OK && ++tries < 200);
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
    }
}
