using CylinderTrace.Cylinders;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Tests.Cylinders;

/// <summary>Every rule at its boundaries: the day before, of and after each date.</summary>
public sealed class CylinderStatusRulesTests
{
    private static readonly CylinderStatusRules Rules = new(Options.Create(new CylinderRulesOptions()));
    private static readonly DateOnly Made = new(2020, 3, 15);

    private static CylinderDates Dates(DateOnly? last = null, DateOnly? next = null, DateOnly? scrap = null, bool scrapped = false, bool detained = false,
        DateOnly? filled = null, bool byOwner = true) =>
        new(Made, last, next, scrap, scrapped, detained, LastFillDate: filled, LastFillByOwner: byOwner);

    [Fact]
    public void Next_inspection_is_four_years_after_the_last_or_after_manufacture()
    {
        Assert.Equal(new DateOnly(2024, 3, 15), Rules.NextInspectionDate(Dates()));
        Assert.Equal(new DateOnly(2028, 6, 1), Rules.NextInspectionDate(Dates(last: new DateOnly(2024, 6, 1))));
        Assert.Equal(new DateOnly(2027, 1, 1), Rules.NextInspectionDate(Dates(last: new DateOnly(2024, 6, 1), next: new DateOnly(2027, 1, 1))));
    }

    [Fact]
    public void Scrap_date_is_twelve_years_after_manufacture_unless_recorded()
    {
        Assert.Equal(new DateOnly(2032, 3, 15), Rules.ScrapDate(Dates()));
        Assert.Equal(new DateOnly(2030, 1, 1), Rules.ScrapDate(Dates(scrap: new DateOnly(2030, 1, 1))));
    }

    [Theory]
    [InlineData(-1, "in_service")]   // 31 days left
    [InlineData(0, "inspection_due_soon")]  // 30 days left
    [InlineData(29, "inspection_due_soon")] // due tomorrow
    [InlineData(30, "inspection_due_soon")] // due today
    [InlineData(31, "inspection_overdue")]  // the day after
    public void Inspection_due_soon_and_overdue_at_their_boundaries(int daysAfterWindowOpens, string expected)
    {
        var next = new DateOnly(2025, 5, 20);
        var today = next.AddDays(-30 + daysAfterWindowOpens);
        var a = Rules.Assess(Dates(last: new DateOnly(2021, 5, 20), next: next), today);
        Assert.Equal(expected, a.Code);
        Assert.Equal(expected != "inspection_overdue", a.SafeToUse);
    }

    [Theory]
    [InlineData(-1, "inspection_overdue")]
    [InlineData(0, "past_scrap_date")]
    [InlineData(1, "past_scrap_date")]
    public void Past_scrap_date_from_the_scrap_date_itself(int offset, string expected)
    {
        var scrap = new DateOnly(2026, 1, 10);
        // Inspection long overdue too: the scrap date outranks it from the scrap date on.
        var a = Rules.Assess(Dates(last: new DateOnly(2020, 3, 15), scrap: scrap), scrap.AddDays(offset));
        Assert.Equal(expected, a.Code);
        Assert.False(a.SafeToUse);
    }

    [Fact]
    public void Severity_order_is_scrapped_then_detained_then_past_scrap_then_foreign_filled_then_overdue()
    {
        var late = new DateOnly(2040, 1, 1);
        var foreign = new DateOnly(2039, 12, 1);
        Assert.Equal(CylinderState.Scrapped, Rules.Assess(Dates(scrapped: true, detained: true, filled: foreign, byOwner: false), late).State);
        Assert.Equal(CylinderState.Detained, Rules.Assess(Dates(detained: true, filled: foreign, byOwner: false), late).State);
        Assert.Equal(CylinderState.PastScrapDate, Rules.Assess(Dates(filled: foreign, byOwner: false), late).State);
        Assert.Equal(CylinderState.Detained, Rules.Assess(Dates(detained: true), new DateOnly(2021, 1, 1)).State);
        // Overdue since 2024-03-15 and filled by another enterprise: the foreign fill is what the resident must hear.
        Assert.Equal(CylinderState.ForeignFilled, Rules.Assess(Dates(filled: new DateOnly(2024, 1, 2), byOwner: false), new DateOnly(2025, 1, 1)).State);
        Assert.Equal(CylinderState.InspectionOverdue, Rules.Assess(Dates(filled: new DateOnly(2024, 6, 2)), new DateOnly(2025, 1, 1)).State);
        Assert.True(Enum.GetValues<CylinderState>().ToList().IndexOf(CylinderState.ForeignFilled) is var i
            && i == Enum.GetValues<CylinderState>().ToList().IndexOf(CylinderState.PastScrapDate) + 1
            && i == Enum.GetValues<CylinderState>().ToList().IndexOf(CylinderState.InspectionOverdue) - 1);
    }

    [Fact]
    public void A_newest_fill_by_another_enterprise_is_foreign_filled_unsafe_and_suggests_that_complaint()
    {
        var a = Rules.Assess(Dates(last: new DateOnly(2024, 3, 1), filled: new DateOnly(2024, 12, 30), byOwner: false), new DateOnly(2025, 1, 1));
        Assert.Equal("foreign_filled", a.Code);
        Assert.Equal("非产权单位充装（体外循环）", a.Label);
        Assert.False(a.SafeToUse);
        Assert.Equal("danger", a.Severity);
        Assert.Equal("foreign_filled", a.SuggestedComplaintCategory);
        // Filled by its owner (or never filled): in service as before.
        Assert.Equal("in_service", Rules.Assess(Dates(last: new DateOnly(2024, 3, 1), filled: new DateOnly(2024, 12, 30)), new DateOnly(2025, 1, 1)).Code);
        Assert.Equal("in_service", Rules.Assess(Dates(last: new DateOnly(2024, 3, 1), byOwner: false), new DateOnly(2025, 1, 1)).Code);
    }

    [Theory]
    [InlineData(-30, "inspection_overdue_filled_in_time")]
    [InlineData(0, "inspection_overdue_filled_in_time")] // filled on its due date: still legal (due ON the date)
    [InlineData(1, "inspection_overdue")]                 // filled the day after: illegal fill
    [InlineData(20, "inspection_overdue")]
    public void An_overdue_cylinder_filled_by_its_due_date_may_be_used_up_filled_after_it_is_an_illegal_fill(int filledDaysAfterDue, string expected)
    {
        var due = new DateOnly(2025, 5, 20);
        var a = Rules.Assess(Dates(next: due, filled: due.AddDays(filledDaysAfterDue)), due.AddDays(25));
        Assert.Equal(expected, a.Code);
        if (expected == "inspection_overdue_filled_in_time")
        {
            Assert.Equal(CylinderState.InspectionOverdueFilledInTime, a.State);
            Assert.True(a.SafeToUse);
            Assert.Equal("warning", a.Severity);
            Assert.Null(a.SuggestedComplaintCategory);
            Assert.Contains("用完", a.Action);
            Assert.Contains("无需投诉", a.Action);
            Assert.Contains("检验有效期内", a.Action);
        }
        else
        {
            Assert.Equal(CylinderState.InspectionOverdue, a.State);
            Assert.False(a.SafeToUse);
            Assert.Equal("danger", a.Severity);
            Assert.Equal("cylinder_overdue", a.SuggestedComplaintCategory);
            Assert.Contains("违法充装", a.Warning);
            Assert.Contains("停止使用", a.Action);
            Assert.Contains("投诉", a.Action);
        }
    }

    [Fact]
    public void An_overdue_cylinder_with_no_fill_on_record_cannot_show_a_legal_fill_and_is_not_to_be_used()
    {
        var a = Rules.Assess(Dates(next: new DateOnly(2025, 5, 20)), new DateOnly(2025, 6, 1));
        Assert.Equal("inspection_overdue", a.Code);
        Assert.False(a.SafeToUse);
        Assert.Equal("cylinder_overdue", a.SuggestedComplaintCategory);
        Assert.Contains("没有检验到期前的充装记录", a.Warning);
    }

    [Fact]
    public void Every_suggested_complaint_category_exists_and_the_action_names_it_as_the_Mini_Program_shows_it()
    {
        var today = new DateOnly(2025, 6, 1);
        var all = new[]
        {
            CylinderStatusRules.Unregistered,
            CylinderStatusRules.BlackGasDetained,
            Rules.Assess(Dates(scrapped: true), today),
            Rules.Assess(Dates(detained: true), today),
            Rules.Assess(Dates(scrap: new DateOnly(2025, 1, 1)), today),
            Rules.Assess(Dates(last: new DateOnly(2024, 3, 1), filled: new DateOnly(2025, 5, 30), byOwner: false), today),
            Rules.Assess(Dates(next: new DateOnly(2025, 5, 20), filled: new DateOnly(2025, 5, 21)), today),
            Rules.Assess(Dates(next: new DateOnly(2025, 5, 20), filled: new DateOnly(2025, 5, 19)), today),
            Rules.Assess(Dates(next: new DateOnly(2025, 6, 20)), today),
            Rules.Assess(Dates(last: new DateOnly(2024, 3, 1)), today),
        };
        Assert.Equal(Enum.GetValues<CylinderState>().Length, all.Select(a => a.State).Distinct().Count());
        foreach (var a in all)
        {
            if (a.SuggestedComplaintCategory is null)
            {
                // Nothing to complain about: safe to use, or already in the authorities' hands (detained).
                Assert.True(a.SafeToUse || a.State == CylinderState.Detained, a.Code);
                continue;
            }
            var category = CylinderTrace.Complaints.ComplaintCategories.Find(a.SuggestedComplaintCategory);
            Assert.NotNull(category);
            Assert.False(a.SafeToUse);
            Assert.Contains($"“{category.Label}”", a.Action);
        }
    }

    [Fact]
    public void A_cylinder_inside_every_period_is_in_service()
    {
        var a = Rules.Assess(Dates(last: new DateOnly(2024, 3, 1)), new DateOnly(2025, 1, 1));
        Assert.Equal(CylinderState.InService, a.State);
        Assert.True(a.SafeToUse);
        Assert.Equal("ok", a.Severity);
        Assert.False(string.IsNullOrWhiteSpace(a.Warning));
        Assert.False(string.IsNullOrWhiteSpace(a.Action));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    public void Beyond_design_life_from_the_eighth_anniversary(int offset, bool expected) =>
        Assert.Equal(expected, Rules.BeyondDesignLife(Dates(), Made.AddYears(8).AddDays(offset)));

    [Theory]
    [InlineData("YSP35.5", 4)]
    [InlineData("ysp-35.5", 4)]
    [InlineData("YSP12", 4)]
    [InlineData("YSP4.7", 4)]
    [InlineData("YSP26.2", 4)]
    [InlineData("YSP118", 3)]
    [InlineData("YSP-118-Ⅱ", 3)]
    [InlineData("YSP 118II", 3)]
    [InlineData("YSP-15", 4)]
    [InlineData(null, 4)]
    public void The_inspection_period_is_the_specs(string? spec, int years)
    {
        Assert.Equal(years, Rules.InspectionPeriodYears(spec));
        Assert.Equal(Made.AddYears(years), Rules.NextInspectionDate(new CylinderDates(Made, null, null, null, false, false, spec)));
    }

    [Fact]
    public void A_specs_period_and_the_period_of_other_specs_are_configured_apart()
    {
        var options = new CylinderRulesOptions { InspectionIntervalYears = 5 };
        options.InspectionPeriods["YSP-12"] = 2;
        var rules = new CylinderStatusRules(Options.Create(options));
        Assert.Equal(2, rules.InspectionPeriodYears("YSP12"));
        Assert.Equal(3, rules.InspectionPeriodYears("YSP118"));
        Assert.Equal(5, rules.InspectionPeriodYears("YSP-50"));
        options.InspectionPeriods["YSP35.5"] = 0;
        Assert.Contains(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)), r => r.ErrorMessage!.Contains("InspectionPeriods:YSP35.5"));
    }

    [Fact]
    public void Periods_come_from_configuration()
    {
        var rules = new CylinderStatusRules(Options.Create(new CylinderRulesOptions { InspectionIntervalYears = 3, MaxServiceLifeYears = 10, DueSoonDays = 60 }));
        Assert.Equal(new DateOnly(2023, 3, 15), rules.NextInspectionDate(Dates()));
        Assert.Equal(new DateOnly(2030, 3, 15), rules.ScrapDate(Dates()));
        Assert.Equal("inspection_due_soon", rules.Assess(Dates(), new DateOnly(2023, 1, 20)).Code);
        Assert.Equal("in_service", Rules.Assess(Dates(), new DateOnly(2023, 1, 20)).Code);
    }

    [Fact]
    public void The_due_soon_warning_counts_the_days_left()
    {
        var a = Rules.Assess(Dates(next: new DateOnly(2025, 5, 20)), new DateOnly(2025, 5, 8));
        Assert.Contains("12天", a.Warning);
        Assert.Contains("今天", Rules.Assess(Dates(next: new DateOnly(2025, 5, 20)), new DateOnly(2025, 5, 20)).Warning);
    }
}
