using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Cylinders;

[Collection(Collections.Apis)]
public sealed class A_resident_scans_a_cylinder(WebHostFixture fx)
{
    private static DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Asia/Shanghai"));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task and_sees_owner_station_last_fill_and_the_masked_delivery_worker()
    {
        var cylinder = await fx.Data.CylinderAsync(manufactured: Today.AddYears(-3));
        var worker = await fx.Data.WorkerAsync(cylinder.StationId, name: "张三明");
        var filledAt = DateTime.UtcNow.AddHours(-30);
        await fx.Data.FillAsync(cylinder, new DateTime(filledAt.Year, filledAt.Month, filledAt.Day, filledAt.Hour, filledAt.Minute, 0, DateTimeKind.Utc));
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddHours(-5), worker);

        var response = await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var card = JsonDocument.Parse(text).RootElement;

        Assert.Equal(cylinder.Code, card.GetProperty("code").GetString());
        Assert.Equal("in_service", card.GetProperty("status").GetProperty("code").GetString());
        Assert.True(card.GetProperty("status").GetProperty("safeToUse").GetBoolean());
        Assert.Equal(await fx.Data.LicenceOfAsync(cylinder.OwnerId), card.GetProperty("owner").GetProperty("licenceNumber").GetString());
        Assert.Equal(await fx.Data.LicenceOfAsync(cylinder.StationId), card.GetProperty("supplyStation").GetProperty("licenceNumber").GetString());
        Assert.True(card.GetProperty("lastFill").GetProperty("filledByOwner").GetBoolean());
        Assert.EndsWith("+08:00", card.GetProperty("lastFill").GetProperty("time").GetString());
        var w = card.GetProperty("lastDelivery").GetProperty("worker");
        Assert.Equal("张*明", w.GetProperty("maskedName").GetString());
        Assert.True(w.GetProperty("permitValid").GetBoolean());
        Assert.False(string.IsNullOrEmpty(w.GetProperty("permitNumber").GetString()));
        Assert.Equal(Today.AddYears(-3).AddYears(4).ToString("yyyy-MM-dd"), card.GetProperty("cylinder").GetProperty("nextInspectionDate").GetString());
        // Need to know only: no buyer, no full worker name.
        Assert.DoesNotContain("张三明", text);
        Assert.DoesNotContain("customer", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task filled_by_an_enterprise_that_does_not_own_it_and_the_card_says_so()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var other = await fx.Data.EnterpriseAsync("filling");
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-2), stationId: other);
        var card = await JsonAsync(await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card"));
        Assert.False(card.GetProperty("lastFill").GetProperty("filledByOwner").GetBoolean());
        Assert.Equal(await fx.Data.LicenceOfAsync(other), card.GetProperty("lastFill").GetProperty("station").GetProperty("licenceNumber").GetString());
        var status = card.GetProperty("status");
        Assert.Equal("foreign_filled", status.GetProperty("code").GetString());
        Assert.Equal("非产权单位充装（体外循环）", status.GetProperty("label").GetString());
        Assert.False(status.GetProperty("safeToUse").GetBoolean());
        Assert.Equal("foreign_filled", status.GetProperty("suggestedComplaintCategory").GetString());
    }

    [Fact]
    public async Task refilled_by_its_owner_after_a_foreign_fill_and_it_is_in_service_again()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var other = await fx.Data.EnterpriseAsync("filling");
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddDays(-20), stationId: other);
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-2));
        var status = (await JsonAsync(await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status");
        Assert.Equal("in_service", status.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("suggestedComplaintCategory").ValueKind);
    }

    [Theory]
    [InlineData(-3, "inspection_overdue_filled_in_time", true, null)]
    [InlineData(0, "inspection_overdue_filled_in_time", true, null)]
    [InlineData(2, "inspection_overdue", false, "cylinder_overdue")]
    public async Task overdue_and_is_told_whether_its_gas_was_filled_before_the_due_date(int filledDaysAfterDue, string expected, bool safe, string? suggested)
    {
        var due = Today.AddDays(-5);
        var cylinder = await fx.Data.CylinderAsync(nextInspection: due);
        // Noon in Shanghai on the fill day: the day compared with the due date is Shanghai's, not UTC's.
        var fillDay = due.AddDays(filledDaysAfterDue);
        await fx.Data.FillAsync(cylinder, fillDay.ToDateTime(new TimeOnly(4, 0), DateTimeKind.Utc));
        var status = (await JsonAsync(await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status");
        Assert.Equal(expected, status.GetProperty("code").GetString());
        Assert.Equal(safe, status.GetProperty("safeToUse").GetBoolean());
        Assert.Equal(suggested, status.GetProperty("suggestedComplaintCategory").GetString());
        Assert.Contains(fillDay.ToString("yyyy年M月d日"), status.GetProperty("warning").GetString());
    }

    [Fact]
    public async Task filled_just_after_midnight_in_Shanghai_on_the_day_after_its_due_date_which_is_still_the_due_date_in_UTC()
    {
        var due = Today.AddDays(-5);
        var cylinder = await fx.Data.CylinderAsync(nextInspection: due);
        // 00:30 in Shanghai the day after the due date is 16:30 UTC on the due date itself.
        await fx.Data.FillAsync(cylinder, due.ToDateTime(new TimeOnly(16, 30), DateTimeKind.Utc));
        var status = (await JsonAsync(await fx.Host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status");
        Assert.Equal("inspection_overdue", status.GetProperty("code").GetString());
    }

    [Fact]
    public async Task and_every_card_says_what_to_do_on_smelling_gas()
    {
        var client = fx.Host.CreateClient();
        var inService = await JsonAsync(await client.GetAsync($"/api/cylinders/{(await fx.Data.CylinderAsync()).Code}/card"));
        var scrapped = await JsonAsync(await client.GetAsync($"/api/cylinders/{(await fx.Data.CylinderAsync(status: "scrapped")).Code}/card"));
        var unregistered = await JsonAsync(await client.GetAsync("/api/cylinders/ZZ9999999998/card"));
        foreach (var status in new[] { inService.GetProperty("status"), scrapped.GetProperty("status"), unregistered.GetProperty("cylinderStatus") })
        {
            Assert.Equal(CylinderTrace.Cylinders.GasLeakAdvice.Line, status.GetProperty("gasLeakAdvice").GetString());
            foreach (var step in new[] { "关闭瓶阀", "打开门窗通风", "严禁开关电器和使用明火", "到室外", "119" })
                Assert.Contains(step, status.GetProperty("gasLeakAdvice").GetString());
        }
    }

    [Theory]
    [InlineData("overdue", "inspection_overdue", false)] // no fill on record: no legal fill can be shown
    [InlineData("due_soon", "inspection_due_soon", true)]
    [InlineData("past_scrap", "past_scrap_date", false)]
    [InlineData("scrapped", "scrapped", false)]
    [InlineData("detained", "detained", false)]
    public async Task and_is_warned_in_plain_words(string situation, string expected, bool safe)
    {
        var c = situation switch
        {
            "overdue" => await fx.Data.CylinderAsync(lastInspection: Today.AddYears(-4).AddDays(-1)),
            "due_soon" => await fx.Data.CylinderAsync(nextInspection: Today.AddDays(10)),
            "past_scrap" => await fx.Data.CylinderAsync(manufactured: Today.AddYears(-12), lastInspection: Today.AddYears(-1)),
            "scrapped" => await fx.Data.CylinderAsync(status: "scrapped"),
            _ => await fx.Data.CylinderAsync(detained: true),
        };
        var card = await JsonAsync(await fx.Host.CreateClient().GetAsync($"/api/cylinders/{c.Code}/card"));
        var status = card.GetProperty("status");
        Assert.Equal(expected, status.GetProperty("code").GetString());
        Assert.Equal(safe, status.GetProperty("safeToUse").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("warning").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task by_the_url_in_its_qr_or_a_mini_program_scene()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var client = fx.Host.CreateClient();
        var byUrl = await client.GetAsync("/api/cylinders/card?qr=" + Uri.EscapeDataString($"https://qr.example.gov.cn/c/{cylinder.Code.ToLowerInvariant()}"));
        Assert.Equal(HttpStatusCode.OK, byUrl.StatusCode);
        Assert.Equal(cylinder.Code, (await JsonAsync(byUrl)).GetProperty("code").GetString());
        var byScene = await client.GetAsync("/api/cylinders/card?scene=" + Uri.EscapeDataString(Uri.EscapeDataString("c=" + cylinder.Code)));
        Assert.Equal(HttpStatusCode.OK, byScene.StatusCode);
    }

    [Fact]
    public async Task that_is_not_registered_and_is_told_it_may_be_black_gas()
    {
        var response = await fx.Host.CreateClient().GetAsync("/api/cylinders/ZZ9999999999/card");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response);
        Assert.Equal("urn:cylindertrace:problem:cylinder-not-registered", problem.GetProperty("type").GetString());
        Assert.Contains("黑气", problem.GetProperty("detail").GetString());
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal("unregistered", problem.GetProperty("cylinderStatus").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/api/cylinders/ab/card")]
    [InlineData("/api/cylinders/card?qr=javascript%3Aalert(1)")]
    [InlineData("/api/cylinders/card")]
    [InlineData("/api/cylinders/card?qr=%3Cxml%3E")]
    public async Task with_a_code_that_is_not_one_and_gets_a_400_saying_what_a_code_looks_like(string url)
    {
        var response = await fx.Host.CreateClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("urn:cylindertrace:problem:invalid-cylinder-code", problem.GetProperty("type").GetString());
        Assert.Contains("6到32位", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task after_a_change_on_another_instance_and_sees_the_change()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var other = fx.SecondInstance;
        var a = fx.Host.CreateClient();
        var b = other.CreateClient();
        Assert.Equal("in_service", (await JsonAsync(await a.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status").GetProperty("code").GetString());
        Assert.Equal("in_service", (await JsonAsync(await b.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status").GetProperty("code").GetString());

        // Changed without invalidation: both instances keep serving the cached card...
        await fx.Data.SetStatusWithoutInvalidatingAsync(cylinder.Code, "scrapped");
        Assert.Equal("in_service", (await JsonAsync(await a.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status").GetProperty("code").GetString());

        // ...until instance B invalidates; instance A's memory copy goes too.
        await other.Services.GetRequiredService<CylinderTrace.Cylinders.CylinderCards>().InvalidateAsync(cylinder.Code);
        await Eventually.HoldsAsync(async () => "scrapped" == (await JsonAsync(await a.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status").GetProperty("code").GetString(),
            "instance A to drop its copy of the card");
        Assert.Equal("scrapped", (await JsonAsync(await b.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("status").GetProperty("code").GetString());
    }

    [Fact]
    public async Task after_its_owner_was_renamed_on_another_instance()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var a = fx.Host.CreateClient();
        Assert.StartsWith("测试燃气有限公司", (await JsonAsync(await a.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("owner").GetProperty("name").GetString());
        await using (var conn = await fx.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE enterprises SET name = '福州新名字燃气有限公司' WHERE id = @id", new { id = cylinder.OwnerId });
        var other = fx.SecondInstance;
        await other.Services.GetRequiredService<CylinderTrace.Enterprises.EnterpriseDirectory>().InvalidateEnterpriseAsync(cylinder.OwnerId);
        await Eventually.HoldsAsync(async () => "福州新名字燃气有限公司" ==
            (await JsonAsync(await a.GetAsync($"/api/cylinders/{cylinder.Code}/card"))).GetProperty("owner").GetProperty("name").GetString(),
            "instance A to show the owner's new name");
    }

    [Fact]
    public async Task that_was_unregistered_and_then_registered()
    {
        var client = fx.Host.CreateClient();
        var code = TestData.UniqueCode();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cylinders/{code}/card")).StatusCode);
        var registered = await fx.Data.CylinderAsync();
        // Registration paths invalidate the code's card, which drops the remembered "not registered".
        await using (var conn = await fx.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE cylinders SET code = @code WHERE id = @id", new { code, id = registered.Id });
        await fx.Host.Services.GetRequiredService<CylinderTrace.Cylinders.CylinderCards>().InvalidateAsync(code);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/cylinders/{code}/card")).StatusCode);
    }
}
