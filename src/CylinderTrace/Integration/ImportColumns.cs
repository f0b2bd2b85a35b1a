using CylinderTrace.Platform.Csv;

namespace CylinderTrace.Integration;

/// <summary>One column an import file may have: the API's field name, its Chinese name (and other Chinese names people write), whether it is required, and what goes in it.</summary>
public sealed record ImportColumn(string Field, string Label, bool Required, string Format, params string[] OtherLabels)
{
    public bool IsDate => Format.StartsWith(ImportColumns.DateFormat, StringComparison.Ordinal);
    public bool IsTime => Format == ImportColumns.TimeFormat;

    public bool Names(string header) =>
        string.Equals(header, Field, StringComparison.OrdinalIgnoreCase) || header == Label || OtherLabels.Contains(header);
}

/// <summary>
/// The columns of each kind of import file, in the order the template lists them. A header cell may be the field
/// name of docs/INTEGRATION.md (code, manufactureDate, …, any case) or its Chinese name (气瓶码, 制造日期, …);
/// a file may carry both header rows, Chinese first, as the template does.
/// </summary>
public static class ImportColumns
{
    public const string DateFormat = "日期，如 2026-11-28（也可写 2026/11/28）";
    public const string TimeFormat = "时间，如 2026-11-28T09:30:00+08:00；不写时区的（如 2026/11/28 9:30）按北京时间";
    private const string Date = DateFormat;
    private const string Time = TimeFormat;
    private const string EventId = "本企业系统中的唯一编号，最长64字符，防止重复入库";
    private const string Station = "供应站（或充装站）的许可证号；只有一个站时可空";

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<ImportColumn>> ByKind = new Dictionary<string, IReadOnlyList<ImportColumn>>
    {
        ["cylinders"] =
        [
            new("code", "气瓶码", true, "气瓶二维码上的编码，如 FZ0000000001", "气瓶编码", "气瓶二维码"),
            new("serial", "钢印号", true, "瓶体钢印编号，最长64字符", "钢印编号", "出厂编号"),
            new("spec", "规格", true, "如 YSP-15", "型号"),
            new("manufacturer", "制造单位", false, "气瓶制造单位名称", "制造厂", "生产厂家"),
            new("manufactureDate", "制造日期", true, Date, "出厂日期"),
            new("lastInspectionDate", "上次检验日期", false, Date),
            new("nextInspectionDate", "下次检验日期", false, Date),
            new("scrapDate", "报废日期", false, Date),
            new("status", "状态", false, "in_service（在用，默认）或 scrapped（已报废）"),
            new("supplyStation", "供应站", false, "负责配送的供应站许可证号"),
        ],
        ["workers"] =
        [
            new("employeeNumber", "工号", true, "本站的送气工工号", "员工编号"),
            new("name", "姓名", true, "送气工实名"),
            new("permitNumber", "从业资格证号", false, "燃气从业人员资格证号", "上岗证号"),
            new("permitValidUntil", "证件有效期至", false, Date, "资格证有效期"),
            new("phone", "手机号", false, "11位手机号", "电话"),
            new("status", "状态", false, "active（在岗，默认）或 left（离职）"),
            new("station", "供应站", false, Station),
        ],
        ["customers"] =
        [
            new("customerId", "用户编号", true, "本站的用户编号", "客户编号"),
            new("kind", "用户类型", true, "household（居民）或 commercial（餐饮等商业用户）", "客户类型"),
            new("districtCode", "区县代码", true, "如 350102（鼓楼区）", "区县"),
            new("businessName", "单位名称", false, "商业用户必填", "店名"),
            new("businessAddress", "单位地址", false, "商业用户的经营地址"),
            new("name", "姓名", false, "居民用户实名", "用户姓名"),
            new("phone", "手机号", false, "11位手机号", "电话"),
            new("idNumber", "身份证号", false, "18位居民身份证号"),
            new("address", "住址", false, "居民用户的住址", "地址"),
            new("station", "供应站", false, Station),
        ],
        ["fills"] =
        [
            new("eventId", "事件编号", true, EventId),
            new("cylinderCode", "气瓶码", true, "气瓶二维码上的编码", "气瓶编码"),
            new("filledAt", "充装时间", true, Time),
            new("station", "充装站", false, "充装站的许可证号；只有一个站时可空"),
            new("netWeightKg", "净重", false, "充装净重（千克），如 14.5", "净重(kg)", "净重（kg）"),
            new("checkId", "充装前检查编号", false, "充装前检查（/fill-checks）返回的编号"),
        ],
        ["deliveries"] =
        [
            new("eventId", "事件编号", true, EventId),
            new("cylinderCode", "气瓶码", true, "气瓶二维码上的编码", "气瓶编码"),
            new("deliveredAt", "配送时间", true, Time),
            new("customerId", "用户编号", true, "收气用户在本站的编号", "客户编号"),
            new("workerEmployeeNumber", "送气工工号", false, "送气工的工号"),
            new("station", "供应站", false, Station),
        ],
        ["returns"] =
        [
            new("eventId", "事件编号", true, EventId),
            new("cylinderCode", "气瓶码", true, "气瓶二维码上的编码", "气瓶编码"),
            new("returnedAt", "回收时间", true, Time),
            new("customerId", "用户编号", false, "交回空瓶的用户编号", "客户编号"),
            new("station", "供应站", false, Station),
        ],
        ["inspections"] =
        [
            new("eventId", "事件编号", true, EventId),
            new("cylinderCode", "气瓶码", true, "气瓶二维码上的编码", "气瓶编码"),
            new("inspectedOn", "检验日期", true, Date),
            new("inspectionBody", "检验机构", true, "检验机构名称"),
            new("result", "检验结果", true, "pass（合格）或 fail（不合格，须填报告编号）", "结论"),
            new("nextInspectionDate", "下次检验日期", false, Date + "；不合格时不填"),
            new("reportNumber", "报告编号", false, "检验报告编号，最长64字符"),
        ],
    };

    public static IReadOnlyList<string> Kinds { get; } = [.. ByKind.Keys];

    /// <summary>The template of a kind: UTF-8 with a byte-order mark (Excel opens it as it is), the Chinese header row, then the field names' row; both may stay in the file when it is filled in.</summary>
    public static string Template(string kind) => CsvWriter.Document(w =>
    {
        var columns = ByKind[kind];
        w.WriteRow([.. columns.Select(c => (CsvCell)c.Label)]);
        w.WriteRow([.. columns.Select(c => (CsvCell)c.Field)]);
    });
}
