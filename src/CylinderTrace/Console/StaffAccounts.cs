using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CylinderTrace.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Console;

/// <summary>
/// Staff accounts: sign-in with lockout, initial passwords that must be changed, administration,
/// and binding a member's WeChat (for notifications) by a one-time code sent to the Official Account.
/// Passwords are hashed by ASP.NET Core's <see cref="PasswordHasher{TUser}"/> (PBKDF2).
/// </summary>
public sealed partial class StaffAccounts(StaffStore store, IOptions<ConsoleOptions> options, IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisOptions, TimeProvider clock)
{
    private static readonly PasswordHasher<StaffAccount> Hasher = new();
    // Verified against when the username is unknown, so that a wrong name costs as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new StaffAccount(), "not-a-password-" + Guid.NewGuid());

    public abstract record SignInResult;
    public sealed record SignedIn(StaffAccount Account) : SignInResult;
    public sealed record WrongCredentials : SignInResult;
    public sealed record LockedOut(DateTimeOffset Until) : SignInResult;

    public async Task<SignInResult> SignInAsync(string? username, string? password, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var account = string.IsNullOrWhiteSpace(username) ? null : await store.FindByUsernameAsync(username.Trim(), ct);
        if (account is null || account.Disabled)
        {
            Hasher.VerifyHashedPassword(new StaffAccount(), DummyHash, password ?? "");
            return new WrongCredentials();
        }
        if (account.LockedUntil is { } until && until > now) return new LockedOut(new DateTimeOffset(until, TimeSpan.Zero));
        var result = Hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? "");
        if (result == PasswordVerificationResult.Failed)
        {
            var o = options.Value;
            await store.RecordFailureAsync(account.Id, o.MaxFailedSignIns, now.AddMinutes(o.LockoutMinutes), now, ct);
            return account.FailedLogins + 1 >= o.MaxFailedSignIns ? new LockedOut(new DateTimeOffset(now.AddMinutes(o.LockoutMinutes), TimeSpan.Zero)) : new WrongCredentials();
        }
        await store.RecordSuccessAsync(account.Id, result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(account, password!) : null, now, ct);
        return new SignedIn(account);
    }

    /// <summary>The member behind a session, if the account still exists, is enabled and the session's stamp is current.</summary>
    public async Task<StaffMember?> ResolveAsync(int id, string stamp, CancellationToken ct)
    {
        var a = await store.FindAsync(id, ct);
        if (a is null || a.Disabled || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(a.SecurityStamp), System.Text.Encoding.ASCII.GetBytes(stamp)))
            return null;
        return ToMember(a);
    }

    public static StaffMember ToMember(StaffAccount a) =>
        new(a.Id, a.Username, a.DisplayName, a.Role, a.AgencyId, a.AgencyName, a.MustChangePassword, a.WechatOpenid is not null);

    public abstract record CreateResult;
    public sealed record Created(int Id, string InitialPassword) : CreateResult;
    public sealed record CreateRefused(Dictionary<string, string[]> Errors) : CreateResult;

    /// <summary>Creates an account with an initial password (generated unless given) that must be changed at first sign-in.</summary>
    public async Task<CreateResult> CreateAsync(string? username, string? displayName, string? role, string? agencyCode, string? initialPassword, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        username = username?.Trim() ?? "";
        if (!UsernameRegex().IsMatch(username)) errors["username"] = ["用户名为3-64位字母、数字、点、横线或下划线。"];
        displayName = displayName?.Trim() ?? "";
        if (displayName.Length is < 1 or > 50) errors["displayName"] = ["请填写姓名（不超过50字）。"];
        if (!StaffRoles.IsKnown(role)) errors["role"] = [$"角色应为 {string.Join("、", StaffRoles.All)} 之一。"];
        var agencyId = string.IsNullOrWhiteSpace(agencyCode) ? null : await store.AgencyIdAsync(agencyCode.Trim(), ct);
        if (agencyId is null) errors["agency"] = [$"单位代码“{agencyCode}”不存在（如 gas-350102）。"];
        var password = string.IsNullOrEmpty(initialPassword) ? NewInitialPassword() : initialPassword;
        if (PasswordProblem(username, password, null) is { } problem) errors["password"] = [problem];
        if (errors.Count == 0 && await store.FindByUsernameAsync(username, ct) is not null) errors["username"] = [$"用户名“{username}”已被使用。"];
        if (errors.Count > 0) return new CreateRefused(errors);
        try
        {
            var id = await store.InsertAsync(username, displayName, role!, agencyId!.Value, Hasher.HashPassword(new StaffAccount(), password), NewStamp(),
                clock.GetUtcNow().UtcDateTime, ct);
            return new Created(id, password);
        }
        catch (MySqlConnector.MySqlException ex) when (ex.ErrorCode == MySqlConnector.MySqlErrorCode.DuplicateKeyEntry)
        {
            return new CreateRefused(new() { ["username"] = [$"用户名“{username}”已被使用。"] });
        }
    }

    /// <summary>Null when changed; otherwise why not.</summary>
    public async Task<string?> ChangePasswordAsync(int id, string? current, string? next, CancellationToken ct)
    {
        var a = await store.FindAsync(id, ct);
        if (a is null) return "账号不存在。";
        if (Hasher.VerifyHashedPassword(a, a.PasswordHash, current ?? "") == PasswordVerificationResult.Failed) return "当前密码不正确。";
        if (PasswordProblem(a.Username, next ?? "", current) is { } problem) return problem;
        await store.SetPasswordAsync(id, Hasher.HashPassword(a, next!), mustChange: false, NewStamp(), clock.GetUtcNow().UtcDateTime, ct);
        return null;
    }

    /// <summary>An administrator's reset: a new initial password, to be changed at the next sign-in; unlocks and signs the member out.</summary>
    public async Task<string?> ResetPasswordAsync(int id, CancellationToken ct)
    {
        var a = await store.FindAsync(id, ct);
        if (a is null) return null;
        var password = NewInitialPassword();
        await store.SetPasswordAsync(id, Hasher.HashPassword(a, password), mustChange: true, NewStamp(), clock.GetUtcNow().UtcDateTime, ct);
        return password;
    }

    /// <summary>Changes name, role, agency or enabled state; the member's open sessions end.</summary>
    public async Task<Dictionary<string, string[]>?> UpdateAsync(int id, string? displayName, string? role, string? agencyCode, bool disabled, CancellationToken ct)
    {
        var a = await store.FindAsync(id, ct);
        if (a is null) return null;
        var errors = new Dictionary<string, string[]>();
        displayName = displayName?.Trim() ?? "";
        if (displayName.Length is < 1 or > 50) errors["displayName"] = ["请填写姓名（不超过50字）。"];
        if (!StaffRoles.IsKnown(role)) errors["role"] = [$"角色应为 {string.Join("、", StaffRoles.All)} 之一。"];
        var agencyId = string.IsNullOrWhiteSpace(agencyCode) ? a.AgencyId : await store.AgencyIdAsync(agencyCode.Trim(), ct);
        if (agencyId is null) errors["agency"] = [$"单位代码“{agencyCode}”不存在。"];
        if (errors.Count > 0) return errors;
        await store.UpdateAsync(id, displayName, role!, agencyId!.Value, disabled, NewStamp(), clock.GetUtcNow().UtcDateTime, ct);
        return [];
    }

    public string? PasswordProblem(string username, string password, string? current)
    {
        var min = options.Value.MinPasswordLength;
        if (password.Length < min) return $"密码至少{min}位。";
        if (password.Length > 128) return "密码不能超过128位。";
        if (password.Contains(username, StringComparison.OrdinalIgnoreCase) && username.Length > 0) return "密码不能包含用户名。";
        if (password.Distinct().Count() < 4) return "密码过于简单。";
        if (current is not null && password == current) return "新密码不能与当前密码相同。";
        return null;
    }

    // ---- WeChat binding: the console shows a code; the member sends "绑定 <code>" to the Official Account.

    private RedisKey BindKey(string code) => $"{redisOptions.Value.KeyPrefix}console:bind:{code}";

    /// <summary>A fresh 6-digit code for this member, valid for Console:BindCodeMinutes, usable once.</summary>
    public async Task<(string Code, TimeSpan ValidFor)> NewBindCodeAsync(int staffId)
    {
        var ttl = TimeSpan.FromMinutes(options.Value.BindCodeMinutes);
        var db = redis.GetDatabase();
        for (var i = 0; ; i++)
        {
            var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6");
            if (await db.StringSetAsync(BindKey(code), staffId, ttl, When.NotExists) || i >= 10) return (code, ttl);
        }
    }

    /// <summary>Binds the sender's openid to the member who was shown this code; null if the code is unknown or used.</summary>
    public async Task<StaffAccount?> RedeemBindCodeAsync(string code, string openid, CancellationToken ct)
    {
        var value = await redis.GetDatabase().StringGetDeleteAsync(BindKey(code));
        if (value.IsNullOrEmpty || !int.TryParse(value.ToString(), out var staffId)) return null;
        await store.BindWeChatAsync(staffId, openid, clock.GetUtcNow().UtcDateTime, ct);
        return await store.FindAsync(staffId, ct);
    }

    public Task UnbindWeChatAsync(int staffId, CancellationToken ct) => store.BindWeChatAsync(staffId, null, clock.GetUtcNow().UtcDateTime, ct);

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>12 characters from an alphabet without look-alikes (no 0/O, 1/l/I).</summary>
    private static string NewInitialPassword() => RandomNumberGenerator.GetString("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 12);

    [GeneratedRegex("^[A-Za-z0-9._-]{3,64}$")]
    private static partial Regex UsernameRegex();
}
