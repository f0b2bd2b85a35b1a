using System.Globalization;
using System.Text;
using CylinderTrace.Cylinders;
using CylinderTrace.WeChat.OfficialAccount;
using Microsoft.Extensions.Options;

namespace CylinderTrace.OfficialAccount;

/// <summary>What the account answers to each push: a cylinder card for a scan, a code or a cylinder QR scene; help otherwise.</summary>
public sealed partial class OfficialAccountResponder(CylinderCards cards, Staff.StaffAccounts staff, Integration.EnterpriseContacts enterpriseContacts,
    IOptions<OfficialAccountOptions> options, IOptions<CardPages.CardPageOptions> cardPage, TimeProvider clock, Platform.RateLimiting.RedisRateLimiter limiter,
    UnregisteredScans unregistered)
{
    public const string ScanKey = "SCAN_CYLINDER";
    public const string MyComplaintsKey = "MY_COMPLAINTS";
    public const string HowToCheckKey = "HOW_TO_CHECK";

    internal const string Help = "点击菜单“扫码查瓶”扫描气瓶上的追溯二维码，或直接发送二维码下方的气瓶编号（如 FZ0000123456），即可查看气瓶的产权单位、供气站、送气人员和检验状态。发现问题可以在“福州气瓶安全”小程序中投诉。";
    internal const string Welcome = "欢迎关注福州瓶装液化气安全追溯。";
    internal const string HowToCheck =
        "收气时请这样查验：\n1. 扫瓶身二维码，状态应为“正常在用”或“即将到检”；\n2. 核对送气人员的姓名、工号、上岗证号与查询结果一致；\n3. 检查瓶阀、胶管完好，无异味；\n4. 出现“未登记”“超期未检”“超过报废年限”“已报废”“已扣押召回”“非产权单位充装”时不要接收，并在小程序中投诉。\n" +
        GasLeakAdvice.Line;

    /// <summary>What to say, independent of how it is delivered (passive reply or customer-service message).</summary>
    public async Task<Answer?> AnswerAsync(InboundMessage message, CancellationToken ct) => message switch
    {
        ScanCodeEvent scan => await CardAnswerAsync(scan.ScanResult, ct, message: message) ?? Text($"没有识别出气瓶码：“{Short(scan.ScanResult)}”。{CylinderCode.Rule}"),
        TextMessage text when BindRegex().Match(text.Content) is { Success: true } bind => await BindStaffAsync(bind.Groups[1].Value, text.FromUserName, ct),
        TextMessage text when EnterpriseBindRegex().Match(text.Content) is { Success: true } bind => await BindEnterpriseAsync(bind.Groups[1].Value, text.FromUserName, ct),
        TextMessage text => LooksLikeCode(text.Content) ? await CardAnswerAsync(text.Content, ct, message: message) ?? Text(Help) : Text(Help),
        SubscribeEvent { Scene: { } scene } => await CardAnswerAsync(scene, ct, Welcome, message) ?? Text(Welcome + Help),
        SubscribeEvent => Text(Welcome + Help),
        QrSceneEvent qr => await CardAnswerAsync(qr.Scene, ct, message: message) ?? Text(Help),
        MenuClickEvent { Key: MyComplaintsKey } => Text(options.Value.ComplaintsHint),
        MenuClickEvent { Key: HowToCheckKey } => Text(HowToCheck),
        MenuClickEvent => Text(Help),
        UnsubscribeEvent or MenuViewEvent or LocationEvent or OtherEvent => null,
        _ => Text(Help),
    };

    /// <summary>"绑定 123456": a staff member binds this WeChat to their console account (for notifications), with the code the console showed.</summary>
    private Task<Answer> BindStaffAsync(string code, string openId, CancellationToken ct) => ThrottledBindAsync(openId, async () =>
    {
        var account = await staff.RedeemBindCodeAsync(code, openId, ct);
        return account is null
            ? null
            : Text($"绑定成功：{account.DisplayName}（{account.AgencyName}）。本单位有新的投诉分派时，您将在这里收到提醒。");
    }, "绑定码无效或已过期。请在管理后台“我的账号”中重新获取绑定码，并在有效期内发送“绑定 绑定码”。");

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*绑定\s*(\d{6})\s*$")]
    private static partial System.Text.RegularExpressions.Regex BindRegex();

    /// <summary>"企业绑定 12345678": an enterprise's staff member binds this WeChat to the enterprise (detention orders reach them here).</summary>
    private Task<Answer> BindEnterpriseAsync(string code, string openId, CancellationToken ct) => ThrottledBindAsync(openId, async () =>
    {
        var name = await enterpriseContacts.RedeemAsync(code, openId, ct);
        return name is null ? null : Text($"绑定成功：{name}。监管部门对本企业下达扣瓶令等通知时，您将在这里收到提醒。");
    }, "企业绑定码无效或已过期。请让本企业系统通过对接接口重新获取绑定码，并在30分钟内发送“企业绑定 绑定码”。");

    /// <summary>
    /// Binding codes are short (6 and 8 digits), so guesses are limited: per WeChat user, and for all users together (so
    /// many accounts cannot share the guessing). Each attempt is counted before the code is looked at (atomically, in
    /// Redis) and given back when it was right, so only wrong codes use up the allowance. A user's first attempt in the
    /// window is always looked at, so a swarm that exhausts the total cannot lock everybody out of binding: it buys the
    /// swarm one guess per account, which the 6-digit space and the codes' short life make harmless.
    /// </summary>
    private async Task<Answer> ThrottledBindAsync(string openId, Func<Task<Answer?>> redeem, string wrongCode)
    {
        var o = options.Value;
        var window = TimeSpan.FromMinutes(o.BindAttemptWindowMinutes);
        var mine = await limiter.HitAsync("oa-bind-user", openId, o.BindAttemptsPerUser, window);
        var all = mine.Allowed ? await limiter.HitAsync("oa-bind-all", "all", o.BindAttemptsTotal, window) : mine;
        var firstOfMine = mine.Count == 1;
        if (!mine.Allowed || (!all.Allowed && !firstOfMine))
        {
            if (mine.Allowed) await limiter.UndoAsync("oa-bind-user", openId, window);
            var minutes = Math.Max(1, (int)Math.Ceiling((mine.Allowed ? all : mine).RetryAfter.TotalMinutes));
            return Text($"绑定码输错次数过多，请{minutes}分钟后再试。请核对管理后台或企业系统显示的绑定码。");
        }
        if (await redeem() is { } bound)
        {
            await limiter.UndoAsync("oa-bind-user", openId, window);
            await limiter.UndoAsync("oa-bind-all", "all", window);
            return bound;
        }
        return Text(wrongCode);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*企业绑定\s*(\d{8})\s*$")]
    private static partial System.Text.RegularExpressions.Regex EnterpriseBindRegex();

    /// <summary>A text message is read as a code only if it could be one and holds a digit (so words get help).</summary>
    private static bool LooksLikeCode(string content) =>
        content.Any(char.IsAsciiDigit) && CylinderCode.TryNormalise(content, out _);

    private async Task<Answer?> CardAnswerAsync(string raw, CancellationToken ct, string? greeting = null, InboundMessage? message = null)
    {
        if (!CylinderCode.TryNormalise(raw, out var code)) return null;
        var card = await cards.GetCardAsync(code, ct);
        var link = CardPageLink(code);
        if (card is null)
        {
            if (message is not null)
            {
                // Evidence of black gas, queued without a round trip (the reply must beat WeChat's 5 s). The push's own key makes
                // WeChat's retries and a late reply's second answer one scan; the sender's openid is kept only as a hash.
                await unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.OfficialAccount,
                    DateTimeOffset.FromUnixTimeSeconds(message.CreateTime).UtcDateTime, Scanner: "oa:" + message.FromUserName,
                    SourceKey: "oa:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(message.DedupKey)))[..40]), ct);
            }
            var mark = await cards.BlackGasAsync(code, ct);
            var u = mark is null ? CylinderStatusRules.Unregistered : CylinderStatusRules.BlackGasDetained;
            var order = mark is null ? "" : $"\n查扣文书：{mark.DetentionNumber}（{Platform.Time.ShanghaiTime.FromUtc(mark.DetainedAt):yyyy-MM-dd}）";
            var reply = $"{greeting}【{u.Label}】{code}\n{u.Warning}\n{u.Action}{order}\n{GasLeakAdvice.Line}";
            return link is null ? Text(reply)
                : new Answer(reply, new NewsArticle($"【{u.Label}】{code}", Reply.Truncate($"{u.Warning}{u.Action}{order}\n{GasLeakAdvice.Line}", 500), link));
        }
        var text = CardText(card, greeting);
        if (link is null) return Text(text);
        return new Answer(text, new NewsArticle(
            $"【{card.Status.Label}】气瓶 {card.Code}",
            Reply.Truncate($"{card.Status.Warning}{card.Status.Action}\n{card.Status.GasLeakAdvice}\n产权单位：{card.Owner.Name}", 500),
            link));
    }

    /// <summary>
    /// The card page the news reply opens: OfficialAccount:CardPageUrl when set, else the public card page that the cylinder's QR
    /// opens (CardPage:PublicBaseUrl + PathPrefix), so every channel leads to the same page; null (a text reply) when neither is set.
    /// </summary>
    internal string? CardPageLink(string code)
    {
        var configured = options.Value.CardPageUrl;
        if (configured.Length > 0) return configured.Replace("{code}", Uri.EscapeDataString(code), StringComparison.Ordinal);
        return cardPage.Value.PublicBaseUrl.Length > 0 ? cardPage.Value.PageUrl(code) : null;
    }

    internal static string CardText(CylinderCard card, string? greeting = null)
    {
        var sb = new StringBuilder();
        if (greeting is not null) sb.Append(greeting).Append('\n');
        sb.Append('【').Append(card.Status.Label).Append("】气瓶 ").Append(card.Code).Append('\n');
        sb.Append(card.Status.Warning).Append('\n').Append(card.Status.Action).Append('\n');
        sb.Append("产权单位：").Append(card.Owner.Name);
        if (card.Owner.LicenceNumber.Length > 0) sb.Append("（").Append(card.Owner.LicenceNumber).Append('）');
        sb.Append('\n');
        if (card.SupplyStation is { } station) sb.Append("供气站：").Append(station.Name).Append('\n');
        if (card.LastFill is { } fill)
        {
            sb.Append("最近充装：").Append(fill.Time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(' ').Append(fill.Station?.Name ?? "");
            if (!fill.FilledByOwner) sb.Append("（注意：非产权单位充装）");
            sb.Append('\n');
        }
        if (card.LastDelivery is { Worker: { } w } delivery)
        {
            sb.Append("最近配送：").Append(delivery.Time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(' ').Append(w.MaskedName)
              .Append(" 工号").Append(w.EmployeeNumber).Append(" 上岗证").Append(w.PermitNumber);
            if (!w.PermitValid) sb.Append("（注意：上岗证无效）");
            sb.Append('\n');
        }
        sb.Append("下次检验：").Append(card.Cylinder.NextInspectionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
          .Append("；报废日期：").Append(card.Cylinder.ScrapDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        sb.Append('\n').Append(card.Status.GasLeakAdvice);
        return sb.ToString();
    }

    /// <summary>The passive reply XML for an answer, or "success" when there is nothing to say.</summary>
    public string Render(InboundMessage m, Answer? a)
    {
        if (a is null) return CylinderTrace.WeChat.OfficialAccount.Reply.Success;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        return a.Article is { } article
            ? CylinderTrace.WeChat.OfficialAccount.Reply.News(m.FromUserName, m.ToUserName, now, article)
            : CylinderTrace.WeChat.OfficialAccount.Reply.Text(m.FromUserName, m.ToUserName, now, a.Text);
    }

    private static Answer Text(string text) => new(text, null);

    private static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>An answer: always text; an article too when a card page is configured.</summary>
    public sealed record Answer(string Text, NewsArticle? Article);
}
