namespace CylinderTrace.Supervision;

/// <summary>
/// One rule that takes points off an enterprise's composite for records of one kind (docs/SCORING.md says why each rule and
/// weight). <see cref="CountSql"/> is one grouped pass over the period returning Enterprise (INT), Class (text: the record's
/// class, e.g. a detention order's disposal) and N (BIGINT), with the parameters @from and @to (the period, UTC), @firstDay and
/// @lastDay (its first and last Asia/Shanghai day) and @missingCounts (1 when a missing licence counts in this period).
/// <see cref="RecordsSql"/> lists the records behind it for one enterprise (@enterpriseId; its stations too when
/// <see cref="RollsUp"/>) with the columns At (DATETIME, UTC), CylinderCode, Reference (the record's number) and Detail, up to 100.
/// A new source of records is one more entry in <see cref="All"/>.
/// </summary>
public sealed record ScoreDeductionRule(string Kind, string Label, string CountSql, string RecordsSql, bool RollsUp,
    Func<ScoreOptions, string, double> Points, Func<ScoreOptions, double> Cap, Func<string, string?> Link)
{
    /// <summary>The enterprise and its stations, for records kept against either.</summary>
    private const string Stations = "(SELECT id FROM enterprises WHERE id = @enterpriseId OR parent_id = @enterpriseId)";

    /// <summary>Fills that broke the filling interlock, not found unsubstantiated (against the filling enterprise).</summary>
    public static readonly ScoreDeductionRule FillViolation = new("fill_violation", "违规充装（违反充装联锁）",
        """
        SELECT enterprise_id AS Enterprise, 'fill' AS Class, COUNT(*) AS N FROM fill_violations
        WHERE filled_at >= @from AND filled_at < @to AND (outcome IS NULL OR outcome <> 'not_substantiated') GROUP BY enterprise_id
        """,
        $"""
        SELECT filled_at AS At, cylinder_code AS CylinderCode, number AS Reference, CONCAT('违规充装：', kinds) AS Detail FROM fill_violations
        WHERE enterprise_id IN {Stations} AND filled_at >= @from AND filled_at < @to AND (outcome IS NULL OR outcome <> 'not_substantiated')
        ORDER BY filled_at DESC LIMIT 100
        """,
        false, (o, _) => o.FillViolationPenalty, o => o.FillViolationPenaltyCap, r => "/console/violations/" + r);

    /// <summary>
    /// Complaints closed in the period as substantiated (属实、已立案查处) or partly so, about a cylinder: against the cylinder's
    /// owner (产权单位, answerable for its cylinders under TSG 23-2021). Complaints that name no cylinder cannot be attributed.
    /// </summary>
    public static readonly ScoreDeductionRule Complaint = new("complaint", "投诉属实",
        """
        SELECT cy.owner_id AS Enterprise, h.outcome AS Class, COUNT(*) AS N
        FROM complaint_handling h JOIN complaints c ON c.id = h.complaint_id JOIN cylinders cy ON cy.code = c.cylinder_code
        WHERE h.closed_at >= @from AND h.closed_at < @to AND h.outcome IN ('substantiated', 'partly', 'case_opened') GROUP BY cy.owner_id, h.outcome
        """,
        $"""
        SELECT h.closed_at AS At, c.cylinder_code AS CylinderCode, c.number AS Reference,
               CONCAT('投诉', CASE h.outcome WHEN 'partly' THEN '部分属实' WHEN 'case_opened' THEN '属实，已立案查处' ELSE '属实' END) AS Detail
        FROM complaint_handling h JOIN complaints c ON c.id = h.complaint_id JOIN cylinders cy ON cy.code = c.cylinder_code
        WHERE cy.owner_id = @enterpriseId AND h.closed_at >= @from AND h.closed_at < @to AND h.outcome IN ('substantiated', 'partly', 'case_opened')
        ORDER BY h.closed_at DESC LIMIT 100
        """,
        false, (o, c) => c == "partly" ? o.ComplaintPenalty / 2 : o.ComplaintPenalty, o => o.ComplaintPenaltyCap, r => "/console/complaints/" + r);

    /// <summary>Every detention order issued in the period against the enterprise (a station's count for its filler too), weighted by how it ended.</summary>
    public static readonly ScoreDeductionRule Detention = new("detention", "扣瓶令",
        """
        SELECT responsible_enterprise_id AS Enterprise, COALESCE(disposal, 'open') AS Class, COUNT(*) AS N FROM detention_orders
        WHERE issued_at >= @from AND issued_at < @to GROUP BY responsible_enterprise_id, COALESCE(disposal, 'open')
        """,
        $"""
        SELECT issued_at AS At, cylinder_code AS CylinderCode, number AS Reference,
               CONCAT('扣瓶令', CASE disposal WHEN 'released' THEN '（核查后放行）' WHEN 'inspection' THEN '（送检）' WHEN 'scrapped' THEN '（报废）' ELSE '（未结案）' END,
                      CASE WHEN escalated_at IS NOT NULL THEN '，逾期未召回' ELSE '' END) AS Detail
        FROM detention_orders WHERE responsible_enterprise_id IN {Stations} AND issued_at >= @from AND issued_at < @to ORDER BY issued_at DESC LIMIT 100
        """,
        true, (o, c) => c switch
        {
            "released" => o.DetentionReleasedPenalty,
            "inspection" => o.DetentionInspectionPenalty,
            "scrapped" => o.DetentionScrappedPenalty,
            _ => o.DetentionOpenPenalty,
        }, o => o.DetentionPenaltyCap, r => "/console/detentions/" + r);

    /// <summary>
    /// Licences the enterprise must hold (燃气经营许可证 for every enterprise, 气瓶充装许可证 for a filling enterprise) that are
    /// missing, or were not in force on some day of the period (expired, not yet valid, suspended or revoked).
    /// </summary>
    public static readonly ScoreDeductionRule Licence = new("licence", "许可证缺失或失效",
        """
        SELECT e.id AS Enterprise, CASE WHEN l.enterprise_id IS NULL THEN 'missing' ELSE 'lapsed' END AS Class, COUNT(*) AS N
        FROM enterprises e JOIN (SELECT 'gas_supply' AS kind UNION ALL SELECT 'cylinder_filling') k ON k.kind = 'gas_supply' OR e.kind = 'filling'
          LEFT JOIN enterprise_licences l ON l.enterprise_id = e.id AND l.kind = k.kind
        WHERE e.status = 'active' AND ((l.enterprise_id IS NULL AND @missingCounts = 1)
              OR l.status <> 'valid' OR l.valid_from > @firstDay OR l.valid_until < @lastDay)
        GROUP BY e.id, CASE WHEN l.enterprise_id IS NULL THEN 'missing' ELSE 'lapsed' END
        """,
        """
        SELECT @to AS At, NULL AS CylinderCode, k.kind AS Reference,
               CONCAT(CASE k.kind WHEN 'gas_supply' THEN '燃气经营许可证' ELSE '气瓶充装许可证' END,
                      CASE WHEN l.enterprise_id IS NULL THEN '未登记'
                           WHEN l.status = 'suspended' THEN '已暂停' WHEN l.status = 'revoked' THEN '已吊销'
                           WHEN l.valid_until < @lastDay THEN CONCAT('已于', DATE_FORMAT(l.valid_until, '%Y-%m-%d'), '到期')
                           ELSE CONCAT('自', DATE_FORMAT(l.valid_from, '%Y-%m-%d'), '起才有效') END) AS Detail
        FROM enterprises e JOIN (SELECT 'gas_supply' AS kind UNION ALL SELECT 'cylinder_filling') k ON k.kind = 'gas_supply' OR e.kind = 'filling'
          LEFT JOIN enterprise_licences l ON l.enterprise_id = e.id AND l.kind = k.kind
        WHERE e.id = @enterpriseId AND ((l.enterprise_id IS NULL AND @missingCounts = 1)
              OR l.status <> 'valid' OR l.valid_from > @firstDay OR l.valid_until < @lastDay)
        """,
        false, (o, _) => o.LicencePenalty, o => o.LicencePenaltyCap, _ => "/console/licences");

    /// <summary>
    /// Black-gas detentions (an unregistered cylinder seized) in the period traced to an enterprise: the station recorded on the
    /// detention, else the station of the delivering worker it names (its filling enterprise too). Untraced ones count against no one.
    /// </summary>
    public static readonly ScoreDeductionRule BlackGas = new("black_gas", "黑气瓶（配送未登记气瓶）",
        """
        SELECT COALESCE(d.station_id, w.enterprise_id) AS Enterprise, COALESCE(d.disposal, 'open') AS Class, COUNT(*) AS N
        FROM black_gas_detentions d LEFT JOIN delivery_workers w ON w.id = d.worker_id
        WHERE d.issued_at >= @from AND d.issued_at < @to AND COALESCE(d.station_id, w.enterprise_id) IS NOT NULL
        GROUP BY COALESCE(d.station_id, w.enterprise_id), COALESCE(d.disposal, 'open')
        """,
        $"""
        SELECT d.issued_at AS At, d.cylinder_code AS CylinderCode, d.number AS Reference,
               CONCAT('查扣黑气瓶', CASE d.disposal WHEN 'confiscated' THEN '（依法没收）' WHEN 'destroyed' THEN '（销毁）'
                      WHEN 'returned_registered' THEN '（补办登记后发还）' ELSE '（未结案）' END, '：', d.place) AS Detail
        FROM black_gas_detentions d LEFT JOIN delivery_workers w ON w.id = d.worker_id
        WHERE COALESCE(d.station_id, w.enterprise_id) IN {Stations} AND d.issued_at >= @from AND d.issued_at < @to ORDER BY d.issued_at DESC LIMIT 100
        """,
        true, (o, c) => c == "returned_registered" ? o.BlackGasReturnedPenalty : o.BlackGasPenalty, o => o.BlackGasPenaltyCap,
        r => "/console/black-gas/detentions/" + r);

    /// <summary>The rules in the order the console lists them; a new source of deductions is one more entry here.</summary>
    public static readonly IReadOnlyList<ScoreDeductionRule> All = [FillViolation, Complaint, Detention, Licence, BlackGas];

    public static ScoreDeductionRule? Find(string kind) => All.FirstOrDefault(r => r.Kind == kind);
}

public static class ScoreDeductionRules
{
    /// <summary>The rules a city applies (all but those Scores:DisabledDeductions names).</summary>
    public static IEnumerable<ScoreDeductionRule> Active(ScoreOptions o) => ScoreDeductionRule.All.Where(r => !o.DisabledDeductions.Contains(r.Kind));

    public static IReadOnlyList<ScoreDeductionRule> All => ScoreDeductionRule.All;
}
