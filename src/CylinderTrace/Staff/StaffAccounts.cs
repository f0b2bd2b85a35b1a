using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CylinderTrace.Platform;
using CylinderTrace.Platform.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Staff;

/// <summary>
/// Staff accounts: sign-in (throttled per IP address and per username, with known browsers counted apart),
/// server-side sessions, initial passwords that must be changed, administration scoped by agency, and binding
/// a member's WeChat (for notifications) by a one-time code sent to the Official Account.
/// Passwords are hashed by ASP.NET Core's <see cref="PasswordHasher{TUser}"/> (PBKDF2).
/// </summary>
public sealed partial class StaffAccounts(StaffStore store, IOptions<ConsoleOptions> options, IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisOptions, TimeProvider clock, RedisRateLimiter limiter, IDataProtectionProvider protection)
{
    private static readonly PasswordHasher<StaffAccount> Hasher = new();
    // Verified against when the username is unknown, so that a wrong name costs as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new StaffAccount(), "not-a-password-" + Guid.NewGuid());
    private readonly IDataProtector _devices = protection.CreateProtector("CylinderTrace.Console.KnownDevice.v1");

    public abstract record SignInResult;
    /// <param name="Device">The known-device cookie value to give this browser (OWASP "device cookies").</param>
    public sealed record SignedIn(StaffAccount Account, string Device) : SignInResult;
    public sealed record WrongCredentials : SignInResult;
    /// <summary>Too many failures from this client (its address, or unknown browsers trying this username): nothing was checked.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : SignInResult;

    /// <summary>
    /// Checks a username and password. Failures are counted before the password is checked (one atomic Redis
    /// increment each), so concurrent attempts cannot check more passwords than the limit: per client address
    /// (<c>Console:SignInFailuresPerIp</c>; an IPv6 client by its /64) and per username (<c>Console:MaxFailedSignIns</c>).
    /// A browser that signed in as this member before (a valid known-device cookie) is counted on its own instead of by
    /// address and username, so neither an attacker who exhausts the username's count nor one who floods the address
    /// (an office or carrier NAT) locks the member out. A name that is not a valid username is never looked up (the
    /// database's collation would match accented, full-width or control-character spellings to an account and so give
    /// each spelling a count of its own); unknown and known usernames are counted and answered alike, so the answers do
    /// not tell which names exist. A success gives the attempt back.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string? username, string? password, string? clientAddress, string? device, CancellationToken ct)
    {
        var o = options.Value;
        var window = TimeSpan.FromMinutes(o.LockoutMinutes);
        var name = (username ?? "").Trim();
        var wellFormed = UsernameRegex().IsMatch(name);
        // Usernames are ASCII and matched case-insensitively, so they are counted that way too.
        var nameKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.ToLowerInvariant())))[..32];
        var deviceId = wellFormed ? KnownDevice(device, nameKey) : null;
        var ip = ClientBucket(clientAddress);
        if (deviceId is null)
        {
            var byIp = await limiter.HitAsync(SignInIpPolicy, ip, o.SignInFailuresPerIp, window);
            if (!byIp.Allowed) return new Throttled(byIp.RetryAfter);
        }
        var (policy, subject) = deviceId is not null ? (SignInDevicePolicy, deviceId) : (SignInNamePolicy, nameKey);
        var byName = await limiter.HitAsync(policy, subject, o.MaxFailedSignIns, window);
        if (!byName.Allowed)
        {
            if (deviceId is null) await limiter.UndoAsync(SignInIpPolicy, ip, window);
            return new Throttled(byName.RetryAfter);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var account = wellFormed ? await store.FindByUsernameAsync(name, ct) : null;
        if (account is null || account.Disabled)
        {
            Hasher.VerifyHashedPassword(new StaffAccount(), DummyHash, password ?? "");
            return new WrongCredentials();
        }
        var result = Hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? "");
        if (result == PasswordVerificationResult.Failed) return new WrongCredentials();
        if (deviceId is null) await limiter.UndoAsync(SignInIpPolicy, ip, window);
        await limiter.UndoAsync(policy, subject, window);
        await store.RecordSuccessAsync(account.Id, result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(account, password!) : null, now, ct);
        return new SignedIn(account, NewDevice(nameKey));
    }

    /// <summary>The address a client is counted by: IPv4 as it is, IPv6 by its /64 (one subscriber's prefix, RFC 6177 §2).</summary>
    internal static string ClientBucket(string? clientAddress)
    {
        if (!System.Net.IPAddress.TryParse(clientAddress, out var address)) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    private const string SignInIpPolicy = "console-signin-ip";
    private const string SignInNamePolicy = "console-signin-name";
    private const string SignInDevicePolicy = "console-signin-device";

    private string NewDevice(string nameKey) =>
        _devices.Protect($"{nameKey}|{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}|{clock.GetUtcNow().ToUnixTimeSeconds()}");

    /// <summary>The device's id when the cookie is ours, for this username, and not older than <c>Console:KnownDeviceDays</c>.</summary>
    private string? KnownDevice(string? device, string nameKey)
    {
        if (string.IsNullOrEmpty(device) || device.Length > 1000) return null;
        try
        {
            var parts = _devices.Unprotect(device).Split('|');
            if (parts.Length != 3 || parts[0] != nameKey || !long.TryParse(parts[2], out var issued)) return null;
            var age = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(issued);
            return age < TimeSpan.FromDays(options.Value.KnownDeviceDays) ? parts[1] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Opens a server-side session for a member who just signed in: the cookie carries a random token, the database
    /// its SHA-256 (a copy of the table opens nothing), with an absolute end (<c>Console:SessionAbsoluteHours</c>).
    /// </summary>
    public async Task<string> StartSessionAsync(int staffId, CancellationToken ct)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        await store.InsertSessionAsync(SessionHash(token), staffId, now, now.AddHours(options.Value.SessionAbsoluteHours), ct);
        return token;
    }

    /// <summary>Ends a session on the server: its cookie, and every copy of it, stops working at once.</summary>
    public Task EndSessionAsync(string token, CancellationToken ct) => store.RevokeSessionAsync(SessionHash(token), clock.GetUtcNow().UtcDateTime, ct);

    private static byte[] SessionHash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>
    /// The member behind a session: the session is open (not signed out, not past its absolute end), the account
    /// exists and is enabled, and the session's stamp is current (a password change, reset or role change ends it).
    /// </summary>
    public async Task<StaffMember?> ResolveAsync(int id, string stamp, string session, CancellationToken ct)
    {
        var a = await store.FindBySessionAsync(id, SessionHash(session), clock.GetUtcNow().UtcDateTime, ct);
        if (a is null || a.Disabled || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a.SecurityStamp), Encoding.ASCII.GetBytes(stamp)))
            return null;
        return Member(a);
    }

    public StaffMember Member(StaffAccount a) =>
        new(a.Id, a.Username, a.DisplayName, a.Role, a.AgencyId, a.AgencyName, a.MustChangePassword, a.WechatOpenid is not null, a.AgencyCode,
            a.Role == StaffRoles.Administrator && string.Equals(a.AgencyCode, options.Value.CityAdministratorAgency, StringComparison.OrdinalIgnoreCase));

    /// <summary>The accounts an administrator of this scope manages.</summary>
    public Task<IReadOnlyList<StaffAccount>> ListAsync(StaffScope scope, CancellationToken ct) => store.ListAsync(scope.AgencyId, ct);

    /// <summary>One account, if it is in the scope (otherwise null, answered as 404).</summary>
    public async Task<StaffAccount?> FindAsync(StaffScope scope, int id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } a && scope.Covers(a.AgencyId) ? a : null;

    public abstract record CreateResult;
    public sealed record Created(int Id, string InitialPassword, string AgencyCode) : CreateResult;
    public sealed record CreateRefused(Dictionary<string, string[]> Errors) : CreateResult;

    /// <summary>
    /// Creates an account with an initial password (generated unless given) that must be changed at first sign-in,
    /// in an agency of the scope (an agency administrator's own agency when none is given).
    /// </summary>
    public async Task<CreateResult> CreateAsync(StaffScope scope, string? username, string? displayName, string? role, string? agencyCode, string? initialPassword,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        username = username?.Trim() ?? "";
        if (!UsernameRegex().IsMatch(username)) errors["username"] = ["用户名为3-64位字母、数字、点、横线或下划线。"];
        displayName = displayName?.Trim() ?? "";
        if (displayName.Length is < 1 or > 50) errors["displayName"] = ["请填写姓名（不超过50字）。"];
        if (!StaffRoles.IsKnown(role)) errors["role"] = [$"角色应为{string.Join("、", StaffRoles.All.Select(StaffRoles.Label))}之一。"];
        var agencyId = string.IsNullOrWhiteSpace(agencyCode) ? scope.AgencyId : await store.AgencyIdAsync(agencyCode.Trim(), ct);
        if (agencyId is null) errors["agency"] = [$"单位代码“{agencyCode}”不存在（如 gas-350102）。"];
        else if (!scope.Covers(agencyId.Value)) errors["agency"] = ["只能为本单位开设账号；其他单位的账号由其本单位或市级系统管理员开设。"];
        var password = string.IsNullOrEmpty(initialPassword) ? NewInitialPassword() : initialPassword;
        if (PasswordProblem(username, password, null) is { } problem) errors["password"] = [problem];
        if (errors.Count == 0 && await store.FindByUsernameAsync(username, ct) is not null) errors["username"] = [$"用户名“{username}”已被使用。"];
        if (errors.Count > 0) return new CreateRefused(errors);
        try
        {
            var id = await store.InsertAsync(username, displayName, role!, agencyId!.Value, Hasher.HashPassword(new StaffAccount(), password), NewStamp(),
                clock.GetUtcNow().UtcDateTime, ct);
            return new Created(id, password, (await store.FindAsync(id, ct))!.AgencyCode);
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

    /// <summary>An administrator's reset: a new initial password, to be changed at the next sign-in; signs the member out. Null when the account is not in the scope.</summary>
    public async Task<string?> ResetPasswordAsync(StaffScope scope, int id, CancellationToken ct)
    {
        var a = await FindAsync(scope, id, ct);
        if (a is null) return null;
        var password = NewInitialPassword();
        await store.SetPasswordAsync(id, Hasher.HashPassword(a, password), mustChange: true, NewStamp(), clock.GetUtcNow().UtcDateTime, ct);
        return password;
    }

    public abstract record UpdateResult;
    public sealed record Updated : UpdateResult;
    public sealed record UpdateNotFound : UpdateResult;
    public sealed record UpdateRefused(Dictionary<string, string[]> Errors) : UpdateResult;
    public sealed record SelfChangeRefused(string Message) : UpdateResult;

    /// <summary>
    /// An administrator changes a member's name, role, agency or enabled state; the member's open sessions end. The
    /// member must be in the administrator's scope (else not found), so must the new agency, and nobody changes
    /// their own role or agency or disables themselves.
    /// </summary>
    public async Task<UpdateResult> UpdateAsync(StaffMember by, StaffScope scope, int id, string? displayName, string? role, string? agencyCode, bool disabled,
        CancellationToken ct)
    {
        var a = await FindAsync(scope, id, ct);
        if (a is null) return new UpdateNotFound();
        var errors = new Dictionary<string, string[]>();
        displayName = displayName?.Trim() ?? "";
        if (displayName.Length is < 1 or > 50) errors["displayName"] = ["请填写姓名（不超过50字）。"];
        if (!StaffRoles.IsKnown(role)) errors["role"] = [$"角色应为{string.Join("、", StaffRoles.All.Select(StaffRoles.Label))}之一。"];
        var agencyId = string.IsNullOrWhiteSpace(agencyCode) ? a.AgencyId : await store.AgencyIdAsync(agencyCode.Trim(), ct);
        if (agencyId is null) errors["agency"] = [$"单位代码“{agencyCode}”不存在。"];
        else if (!scope.Covers(agencyId.Value)) errors["agency"] = ["只能在本单位内调整人员；调往其他单位请联系市级系统管理员。"];
        if (errors.Count > 0) return new UpdateRefused(errors);
        if (ConsoleAccess.SelfChangeRefusal(by, id, role, agencyId, disabled) is { } refusal) return new SelfChangeRefused(refusal);
        // A new stamp ends the account's sessions: needed when what it may do changes, not for a corrected name.
        var sameRights = role == a.Role && agencyId == a.AgencyId && disabled == a.Disabled;
        await store.UpdateAsync(id, displayName, role!, agencyId!.Value, disabled, sameRights ? a.SecurityStamp : NewStamp(), clock.GetUtcNow().UtcDateTime, ct);
        return new Updated();
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

    /// <summary>
    /// A fresh 6-digit code for this member, valid for Console:BindCodeMinutes, usable once; null when the member asked
    /// for more than 10 in an hour (each live code is one more target for guessing).
    /// </summary>
    public async Task<(string Code, TimeSpan ValidFor)?> NewBindCodeAsync(int staffId)
    {
        if (!(await limiter.HitAsync("console-bind-code", staffId.ToString(System.Globalization.CultureInfo.InvariantCulture), 10, TimeSpan.FromHours(1))).Allowed)
            return null;
        var ttl = TimeSpan.FromMinutes(options.Value.BindCodeMinutes);
        var db = redis.GetDatabase();
        // A code is never handed out unless it was stored for this member (a clash with another member's live code draws again).
        for (var i = 0; i < 50; i++)
        {
            var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6");
            if (await db.StringSetAsync(BindKey(code), staffId, ttl, When.NotExists)) return (code, ttl);
        }
        throw new InvalidOperationException("No free binding code after 50 draws: far more live codes than expected.");
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
