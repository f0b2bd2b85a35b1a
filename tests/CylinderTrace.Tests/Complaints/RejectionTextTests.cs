using System.Text.RegularExpressions;
using CylinderTrace.Complaints.Handling;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// A rejection's public text joins the handler's reason with where to turn instead (issue 17, item 6: it read
/// 「…职责。。建议向请在收气时…反映」). Every reason ending × every kind of suggestion reads as whole sentences.
/// </summary>
public sealed partial class A_rejection_text
{
    /// <summary>The reason's content, as handlers end it: nothing, a full stop, ASCII marks, doubled marks, trailing spaces.</summary>
    private const string Reason = "经核查，该问题不属于本单位职责";

    private static readonly string[] ReasonEndings = ["", "。", "。。", ".", "，", "，。", "；", "!", "！", "。 ", " . ", "、", "：", "?"];

    /// <summary>What a handler types as the suggestion, and the sentence the complainant should read for it.</summary>
    private static readonly (string Typed, string Reads)[] Suggestions =
    [
        ("", ""),
        ("   ", ""),
        ("。", ""),
        ("福州华润燃气客服热线", "建议向福州华润燃气客服热线反映。"),
        ("福州华润燃气客服热线。", "建议向福州华润燃气客服热线反映。"),
        ("五四路12号3栋2单元501室的物业（电话0591-87654321）", "建议向五四路12号3栋2单元501室的物业（电话0591-87654321）反映。"),
        ("向阳街道办事处", "建议向向阳街道办事处反映。"),
        ("如意燃气有限公司", "建议向如意燃气有限公司反映。"),
        ("市场监管部门投诉", "建议向市场监管部门投诉。"),
        ("向物业反映", "建议向物业反映。"),
        ("向物业反映。", "建议向物业反映。"),
        ("拨打12345热线", "建议拨打12345热线。"),
        ("联系供气企业处理.", "建议联系供气企业处理。"),
        ("由属地街道处理", "建议由属地街道处理。"),
        ("建议向属地街道反映", "建议向属地街道反映。"),
        ("建议向属地街道反映。。", "建议向属地街道反映。"),
        ("请在收气时核对送气人员信息，如有问题向供气企业反映", "请在收气时核对送气人员信息，如有问题向供气企业反映。"),
        ("请在收气时核对送气人员信息，，如有问题向供气企业反映。", "请在收气时核对送气人员信息，如有问题向供气企业反映。"),
        ("您可拨打12345市民服务热线!", "您可拨打12345市民服务热线！"),
        ("如需维修燃气管道，可联系华润燃气", "如需维修燃气管道，可联系华润燃气。"),
        ("管道燃气由华润燃气负责，电话95777", "管道燃气由华润燃气负责，电话95777。"),
    ];

    public static TheoryData<string, string, string> Combinations()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var ending in ReasonEndings)
            foreach (var (typed, reads) in Suggestions)
                data.Add(Reason + ending, typed, reads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void reads_as_whole_sentences_for_every_reason_and_suggestion(string reason, string suggestion, string suggestionReads)
    {
        var text = RejectionText.Compose(reason, suggestion);
        var end = reason.TrimEnd().EndsWith('！') || reason.TrimEnd().EndsWith('!') ? "！" : reason.TrimEnd().EndsWith('?') ? "？" : "。";
        Assert.Equal(Reason + end + suggestionReads, text);
        Assert.DoesNotMatch(DoubledMarks(), text);
        foreach (var garble in Garbles) Assert.DoesNotContain(garble, text);
    }

    [Fact]
    public void the_reported_garble_reads_as_two_sentences()
    {
        Assert.Equal("该送气服务不属于本单位职责。请在收气时核对送气人员信息，如有问题向供气企业反映。",
            RejectionText.Compose("该送气服务不属于本单位职责。", "请在收气时核对送气人员信息，如有问题向供气企业反映"));
    }

    [Theory]
    [InlineData("气瓶重量差0.5公斤", "气瓶重量差0.5公斤。")]
    [InlineData("约定9:30送气", "约定9:30送气。")]
    [InlineData("详见www.fuzhou.gov.cn", "详见www.fuzhou.gov.cn。")]
    [InlineData("不属于本单位职责……", "不属于本单位职责……。")]
    [InlineData("不属于本单位职责 ， 。", "不属于本单位职责。")]
    public void leaves_numbers_times_and_addresses_alone(string reason, string reads) =>
        Assert.Equal(reads, RejectionText.Compose(reason, null));

    /// <summary>Two sentence or clause marks in a row (。。 ，。 。， ；。 、。 and their ASCII twins after Chinese text).</summary>
    [GeneratedRegex(@"[。，、；：！？][。，、；：！？,.;:!?]|[\u3000-\u9fff][,.;:!?]")]
    private static partial Regex DoubledMarks();

    private static readonly string[] Garbles = ["建议向请", "建议向您", "建议向建议", "建议建议", "建议向拨打", "建议向联系", "反映反映", "反映。反映", "建议向向物业反映"];
}
