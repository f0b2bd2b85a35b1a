using System.Reflection;
using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;
using NetArchTest.Rules;

namespace CylinderTrace.Tests.Architecture;

/// <summary>
/// The layout's rules (docs/ARCHITECTURE.md, "Features"), held by the compiled host: which feature may use which, with
/// no cycles; and which tables a feature's SQL may name. A new dependency or a new read of another feature's table
/// fails here until the table below (and the document) says it is meant.
/// </summary>
public sealed partial class Feature_rules
{
    private static readonly Assembly Host = typeof(CylinderTrace.Platform.Database.Db).Assembly;

    /// <summary>Feature → the features it may use. Platform knows no feature; Seeding (a tool) may use all.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        ["Platform"] = [],
        ["Enterprises"] = ["Platform"],
        ["Cylinders"] = ["Enterprises", "Platform"],
        ["Staff"] = ["Platform"],
        ["ConsoleShell"] = ["Staff", "Platform"],
        ["Integration"] = ["Cylinders", "Enterprises", "Platform"],
        ["OfficialAccount"] = ["CardPages", "Cylinders", "Integration", "Staff", "Platform"],
        ["Complaints"] = ["Cylinders", "Enterprises", "Staff", "ConsoleShell", "Platform"],
        ["MiniProgram"] = ["Complaints", "Cylinders", "Platform"],
        ["Commercial"] = ["Complaints", "Cylinders", "Enterprises", "Integration", "MiniProgram", "Staff", "ConsoleShell", "Platform"],
        ["Supervision"] = ["Commercial", "Complaints", "Cylinders", "Enterprises", "Integration", "Staff", "ConsoleShell", "Platform"],
        ["CardPages"] = ["Cylinders", "Enterprises", "Integration", "Staff", "ConsoleShell", "Platform"],
        ["Seeding"] = ["Commercial", "Complaints", "ConsoleShell", "Cylinders", "Enterprises", "Integration", "MiniProgram", "OfficialAccount", "Platform", "Staff", "Supervision"],
    };

    /// <summary>Table → the feature that owns it (writes it, and offers it to others through its services).</summary>
    public static readonly IReadOnlyDictionary<string, string> Owner = new Dictionary<string, string>
    {
        ["agencies"] = "Platform", ["districts"] = "Platform", ["data_protection_keys"] = "Platform",
        ["enterprises"] = "Enterprises", ["delivery_workers"] = "Enterprises", ["customers"] = "Enterprises", ["enterprise_licences"] = "Enterprises",
        ["customer_identities"] = "Enterprises",
        ["cylinders"] = "Cylinders", ["fills"] = "Cylinders", ["deliveries"] = "Cylinders", ["inspections"] = "Cylinders",
        ["empty_returns"] = "Cylinders", ["ingested_events"] = "Cylinders", ["orphan_fills"] = "Cylinders",
        ["unregistered_scans"] = "Cylinders", ["black_gas_codes"] = "Cylinders",
        ["staff"] = "Staff", ["staff_sessions"] = "Staff",
        ["mp_users"] = "MiniProgram", ["mp_sessions"] = "MiniProgram",
        ["complaints"] = "Complaints", ["complaint_numbers"] = "Complaints", ["complaint_events"] = "Complaints", ["complaint_photos"] = "Complaints",
        ["photos"] = "Complaints", ["photo_uploads"] = "Complaints", ["complaint_notifications"] = "Complaints",
        ["complaint_notification_attempts"] = "Complaints", ["complaint_routing"] = "Complaints", ["complaint_deadline_marks"] = "Complaints",
        ["complaint_handling"] = "Complaints", ["complaint_informed_agencies"] = "Complaints", ["routing_rules"] = "Complaints",
        ["routing_rule_informs"] = "Complaints", ["routing_rule_changes"] = "Complaints",
        ["complaint_search"] = "Complaints", ["complaint_search_terms"] = "Complaints", ["complaint_extensions"] = "Complaints", ["complaint_reply_templates"] = "Complaints", ["complaint_oversight"] = "Complaints",
        ["integration_keys"] = "Integration", ["integration_sandbox_keys"] = "Integration", ["enterprise_wechat_contacts"] = "Integration", ["enterprise_webhooks"] = "Integration",
        ["enterprise_notifications"] = "Integration", ["inspection_bodies"] = "Integration", ["inspection_body_keys"] = "Integration",
        ["commercial_invites"] = "Commercial", ["commercial_members"] = "Commercial", ["receiving_scans"] = "Commercial",
        ["receiving_scan_deliveries"] = "Commercial", ["scan_rate_rollups"] = "Commercial", ["scan_rate_refreshes"] = "Commercial",
        ["delivery_alerts"] = "Commercial", ["delivery_alert_codes"] = "Commercial", ["delivery_alert_notices"] = "Commercial",
        ["detention_orders"] = "Supervision", ["detention_events"] = "Supervision", ["detention_photos"] = "Supervision",
        ["detention_photo_uploads"] = "Supervision", ["enterprise_scores"] = "Supervision", ["enterprise_grade_changes"] = "Supervision",
        ["digest_settings"] = "Supervision", ["digests"] = "Supervision",
        ["fill_violations"] = "Supervision", ["fill_violation_events"] = "Supervision", ["enterprise_score_deductions"] = "Supervision",
        ["black_gas_detentions"] = "Supervision", ["joint_cases"] = "Supervision", ["joint_case_agencies"] = "Supervision",
        ["joint_case_events"] = "Supervision", ["joint_case_referrals"] = "Supervision",
        ["inspection_plans"] = "Supervision", ["inspection_plan_targets"] = "Supervision", ["inspection_finding_photos"] = "Supervision",
        ["licence_reviews"] = "Supervision", ["black_gas_detention_photos"] = "Supervision",
    };

    /// <summary>Reads of another feature's tables that are meant (read-only, each with its reason, as docs/ARCHITECTURE.md lists them).</summary>
    public static readonly IReadOnlySet<(string Feature, string Table)> MayRead = new HashSet<(string, string)>
    {
        // Reference data: every feature may read agencies and districts (Platform's).
        // Read models join the names of people and enterprises they show, as they join agency names.
        ("Complaints", "staff"),
        ("Supervision", "enterprises"), ("Supervision", "staff"),
        // A cylinder's trace (CylinderHistory) shows the restaurants' receiving scans of it.
        ("Cylinders", "receiving_scans"), ("Cylinders", "customers"),
        // Receiving scans are matched with deliveries (DESIGN §5) inside the transaction that stores either.
        ("Commercial", "deliveries"), ("Commercial", "customers"), ("Commercial", "cylinders"),
        // Reports, read-only, in grouped passes: scan-rate counts and roll-ups, enterprise scores, digests.
        ("Commercial", "enterprises"), ("Commercial", "delivery_workers"),
        ("Supervision", "fills"), ("Supervision", "deliveries"), ("Supervision", "customers"), ("Supervision", "delivery_workers"),
        ("Supervision", "cylinders"), ("Supervision", "scan_rate_rollups"), ("Supervision", "receiving_scan_deliveries"),
        ("Supervision", "complaints"), ("Supervision", "complaint_routing"), ("Supervision", "complaint_handling"),
        // Digests count urges and phone reveals (issue 19).
        ("Supervision", "complaint_oversight"),
        // Black-gas leads (黑气线索) read the unregistered scans and the restaurants' delivery alerts with the deliverers they named.
        ("Supervision", "unregistered_scans"), ("Supervision", "delivery_alerts"), ("Supervision", "delivery_alert_codes"),
        // The real-name rate counts customers whose identity checks out (Enterprises' customer_identities).
        ("Supervision", "customer_identities"),
        // The licence deduction rule counts enterprises missing a licence or holding one not in force (Enterprises' enterprise_licences).
        ("Supervision", "enterprise_licences"),
    };

    private static string? FeatureOf(string? ns) =>
        ns is not null && ns.StartsWith("CylinderTrace.", StringComparison.Ordinal) ? ns["CylinderTrace.".Length..].Split('.')[0] : null;

    [Fact]
    public void every_feature_folder_is_in_the_table()
    {
        var features = Host.GetTypes().Select(t => FeatureOf(t.Namespace)).OfType<string>().Distinct().ToList();
        Assert.Empty(features.Except(MayUse.Keys));
    }

    [Fact]
    public void the_table_has_no_cycles()
    {
        var done = new HashSet<string>();
        var path = new Stack<string>();
        void Visit(string f)
        {
            Assert.False(path.Contains(f), "cycle: " + string.Join(" → ", path.Reverse().Append(f)));
            if (!done.Add(f)) return;
            path.Push(f);
            foreach (var next in MayUse[f]) Visit(next);
            path.Pop();
        }
        foreach (var f in MayUse.Keys.Where(k => k != "Seeding")) Visit(f);
    }

    public static TheoryData<string> Features() => new(MayUse.Keys);

    [Theory]
    [MemberData(nameof(Features))]
    public void a_feature_uses_only_the_features_it_may(string feature)
    {
        var others = MayUse.Keys.Where(k => k != feature && !MayUse[feature].Contains(k)).Select(k => "CylinderTrace." + k).ToArray();
        if (others.Length == 0) return;
        var result = Types.InAssembly(Host).That().ResideInNamespace("CylinderTrace." + feature).ShouldNot().HaveDependencyOnAny(others).GetResult();
        Assert.True(result.IsSuccessful, $"{feature} uses a feature outside its row: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void sql_names_only_the_features_own_tables_reference_data_and_the_listed_reads()
    {
        var problems = new List<string>();
        foreach (var (feature, sql, where) in SqlTexts())
        {
            foreach (Match m in TableRegex().Matches(sql))
            {
                var table = m.Groups["table"].Value.ToLowerInvariant();
                if (!Owner.TryGetValue(table, out var owner) || owner == feature || feature == "Seeding") continue;
                var write = m.Groups["verb"].Value.ToUpperInvariant() is "INTO" or "UPDATE" or "DELETE FROM";
                if (write) problems.Add($"{where} ({feature}) writes {table}, which is {owner}'s");
                else if (owner != "Platform" && !MayRead.Contains((feature, table))) problems.Add($"{where} ({feature}) reads {table}, which is {owner}'s");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void the_owner_table_names_every_table_the_migrations_create()
    {
        var created = Host.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .SelectMany(n =>
            {
                using var reader = new StreamReader(Host.GetManifestResourceStream(n)!);
                return CreateRegex().Matches(reader.ReadToEnd()).Select(m => m.Groups[1].Value.ToLowerInvariant());
            }).Distinct().ToList();
        Assert.NotEmpty(created);
        Assert.Empty(created.Except(Owner.Keys));
    }

    /// <summary>Every string constant and string literal of the host, with the feature of the type it is in.</summary>
    private static IEnumerable<(string Feature, string Sql, string Where)> SqlTexts()
    {
        using var module = ModuleDefinition.ReadModule(Host.Location);
        foreach (var type in module.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null) outer = outer.DeclaringType;
            if (FeatureOf(outer.Namespace) is not { } feature) continue;
            foreach (var field in type.Fields.Where(f => f.HasConstant && f.Constant is string))
                yield return (feature, (string)field.Constant, outer.Name + "." + field.Name);
            foreach (var method in type.Methods.Where(m => m.HasBody))
                foreach (var instruction in method.Body.Instructions.Where(i => i.OpCode == OpCodes.Ldstr))
                    yield return (feature, (string)instruction.Operand, outer.Name);
        }
    }

    [GeneratedRegex(@"\b(?<verb>FROM|JOIN|INTO|UPDATE|DELETE\s+FROM)\s+`?(?<table>[a-z_]+)`?", RegexOptions.IgnoreCase)]
    private static partial Regex TableRegex();

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS `?(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateRegex();
}
