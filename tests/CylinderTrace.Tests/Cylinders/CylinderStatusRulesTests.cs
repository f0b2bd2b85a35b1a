using CylinderTrace.Cylinders;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Tests.Cylinders;

/// <summary>Every rule at its boundaries: the day before, of and after each date.</summary>
public sealed class CylinderStatusRulesTests
{
    private static readonly CylinderStatusRules Rules = new(Options.Create(new CylinderRulesOptions()));
    private static readonly DateOnly Made = new(2020, 3, 15);

    private static CylinderDates Dates(DateOnly? last = null, DateOnly? next = null, DateOnly? scrap = null, bool scrapped = false, bool detained = false) =>
        new(Made, last, next, scrap, scrapped, detained);

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
    public void Severity_order_is_scrapped_then_detained_then_past_scrap_then_overdue()
    {
        var late = new DateOnly(2040, 1, 1);
        Assert.Equal(CylinderState.Scrapped, Rules.Assess(Dates(scrapped: true, detained: true), late).State);
        Assert.Equal(CylinderState.Detained, Rules.Assess(Dates(detained: true), late).State);
        Assert.Equal(CylinderState.PastScrapDate, Rules.Assess(Dates(), late).State);
        Assert.Equal(CylinderState.Detained, Rules.Assess(Dates(detained: true), new DateOnly(2021, 1, 1)).State);
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
