using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Enterprises;
using CylinderTrace.Supervision;

namespace CylinderTrace.Tests.Supervision;

/// <summary>
/// GB 11643-1999 公民身份号码 (ISO 7064 MOD 11-2 check character) and GB 32100-2015 统一社会信用代码 (MOD 31 check character):
/// numbers published as valid pass, the same numbers with one character changed fail.
/// </summary>
public sealed class Identity_numbers
{
    [Theory]
    // The two examples printed in GB 11643-1999 itself.
    [InlineData("11010519491231002X")]
    [InlineData("440524188001010014")]
    [InlineData("11010519491231002x")] // a lower-case x is read as X
    public void resident_id_numbers_from_the_standard_pass(string number) => Assert.True(ResidentIdNumber.IsValid(number));

    [Theory]
    [InlineData("110105194912310021")] // the check character changed
    [InlineData("11010519491231012X")] // a digit of the sequence code changed
    [InlineData("440524188001010015")]
    [InlineData("440524188002300014")] // 30 February (and so, here, a wrong check character as well)
    [InlineData("11010519491231002")] // 17 characters
    [InlineData("1101051949123100201")] // 19
    [InlineData("11010519491231002Y")]
    [InlineData("A1010519491231002X")]
    [InlineData("")]
    [InlineData(null)]
    public void corrupted_resident_id_numbers_fail(string? number) => Assert.False(ResidentIdNumber.IsValid(number));

    [Fact]
    public void every_single_digit_change_of_a_valid_number_is_caught()
    {
        // MOD 11-2 catches every single substitution: change each of the 17 digits to each other digit.
        const string valid = "440524188001010014";
        for (var i = 0; i < 17; i++)
            for (var d = '0'; d <= '9'; d++)
                if (d != valid[i])
                    Assert.False(ResidentIdNumber.IsValid(valid[..i] + d + valid[(i + 1)..]), $"{valid[..i] + d + valid[(i + 1)..]}");
    }

    [Theory]
    // Codes as published on the national enterprise credit information publicity system (public registration data).
    [InlineData("91440300708461136T")]
    [InlineData("91110108551385082Q")]
    [InlineData("91330100799655058B")]
    public void published_credit_codes_pass(string code) => Assert.True(UnifiedSocialCreditCode.IsValid(code));

    [Theory]
    [InlineData("91440300708461136A")] // the check character changed
    [InlineData("91440300708461163T")] // two characters swapped
    [InlineData("91110108551385082")] // 17 characters
    [InlineData("91110108551385O82Q")] // O is not in the code's character set
    [InlineData("91110108551385I82Q")] // nor I
    [InlineData("9144030070846113GT")] // a letter where the check now fails
    [InlineData("91A40300708461136T")] // a letter in the division code
    [InlineData("")]
    [InlineData(null)]
    public void corrupted_credit_codes_fail(string? code) => Assert.False(UnifiedSocialCreditCode.IsValid(code));

    [Fact]
    public void the_credit_codes_character_set_has_31_characters_without_i_o_z_s_v()
    {
        Assert.Equal(31, UnifiedSocialCreditCode.Characters.Length);
        Assert.DoesNotContain(UnifiedSocialCreditCode.Characters, c => "IOZSV".Contains(c));
    }
}

/// <summary>The 双随机 draw: a pure function of the published seed and lists, re-run here from its description (docs/SCORING.md).</summary>
public sealed class Inspection_draw
{
    private static readonly IReadOnlyDictionary<string, double> Rates = new RandomInspectionOptions().Rates();

    private static List<DrawCandidate> Candidates()
    {
        var grades = new[] { "A", "B", "C", "D", "U" };
        return Enumerable.Range(1, 60).Select(i => new DrawCandidate(1000 + i, "企业" + i, grades[i % 5], Mandatory: i == 7)).ToList();
    }

    private static readonly DrawInspector[] Inspectors = [new(11, "甲"), new(12, "乙"), new(13, "丙"), new(14, "丁"), new(15, "戊")];

    [Fact]
    public void the_same_seed_gives_the_same_draw_and_another_seed_another()
    {
        var first = InspectionDraw.Draw("3f2a9c0d4e5b6a718293a4b5c6d7e8f9", Candidates(), Inspectors, Rates);
        var again = InspectionDraw.Draw("3f2a9c0d4e5b6a718293a4b5c6d7e8f9", Candidates().AsEnumerable().Reverse().ToList(), Inspectors.AsEnumerable().Reverse().ToArray(), Rates);
        Assert.Equal(first, again); // the order the lists come in does not matter
        var other = InspectionDraw.Draw("0123456789abcdef0123456789abcdef", Candidates(), Inspectors, Rates);
        Assert.NotEqual(first.Select(t => t.EnterpriseId).Order(), other.Select(t => t.EnterpriseId).Order());
    }

    [Fact]
    public void strata_are_drawn_by_their_rates_and_serious_violations_always()
    {
        var drawn = InspectionDraw.Draw("seed-for-rates", Candidates(), Inspectors, Rates);
        Assert.Contains(drawn, t => t.EnterpriseId == 1007 && t.Reason == "serious_violation");
        // 12 per stratum (one fewer in C, whose 1007 is mandatory): ceil(rate × n).
        Assert.Equal(1, drawn.Count(t => t.Stratum == "A" && t.Reason == "drawn")); // ceil(0.05 × 12)
        Assert.Equal(2, drawn.Count(t => t.Stratum == "B" && t.Reason == "drawn")); // ceil(0.10 × 12)
        Assert.Equal(3, drawn.Count(t => t.Stratum == "C" && t.Reason == "drawn")); // ceil(0.25 × 11)
        Assert.Equal(6, drawn.Count(t => t.Stratum == "D" && t.Reason == "drawn")); // ceil(0.50 × 12)
        Assert.Equal(2, drawn.Count(t => t.Stratum == "U" && t.Reason == "drawn")); // ceil(0.15 × 12)
        // Two inspectors each, from the agency's, never the same twice in a pair.
        Assert.All(drawn, t => Assert.True(t.InspectorA is not null && t.InspectorB is not null && t.InspectorA != t.InspectorB));
    }

    [Fact]
    public void anyone_can_run_the_draw_again_from_its_description()
    {
        const string seed = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        var candidates = Candidates();
        var drawn = InspectionDraw.Draw(seed, candidates, Inspectors, Rates);

        // The published algorithm, written out independently of the host's code.
        static string Key(string seed, string x) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed + "|" + x)))[..16];
        var expected = candidates.Where(c => c.Mandatory).ToList();
        foreach (var stratum in new[] { "A", "B", "C", "D", "U" })
        {
            var pool = candidates.Where(c => !c.Mandatory && c.Stratum == stratum).OrderBy(c => Key(seed, "e" + c.Id), StringComparer.Ordinal).ToList();
            expected.AddRange(pool.Take((int)Math.Ceiling(Rates[stratum] * pool.Count - 1e-9)));
        }
        var ordered = expected.OrderBy(c => Key(seed, "e" + c.Id), StringComparer.Ordinal).ToList();
        var inspectors = Inspectors.OrderBy(i => Key(seed, "i" + i.Id), StringComparer.Ordinal).ToList();
        var pairs = Enumerable.Range(0, inspectors.Count / 2).Select(k => (inspectors[2 * k].Id, inspectors[2 * k + 1].Id)).ToList();
        Assert.Equal(ordered.Select((c, n) => (c.Id, pairs[n % pairs.Count].Item1, pairs[n % pairs.Count].Item2)),
            drawn.Select(t => (t.EnterpriseId, t.InspectorA!.Value, t.InspectorB!.Value)));
    }

    [Fact]
    public void with_fewer_than_two_inspectors_targets_have_no_pair()
    {
        var drawn = InspectionDraw.Draw("lonely-seed", Candidates(), [new(21, "甲")], Rates);
        Assert.NotEmpty(drawn);
        Assert.All(drawn, t => Assert.Null(t.InspectorA));
    }
}
