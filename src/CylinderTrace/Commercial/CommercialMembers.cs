using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Commercial;

/// <summary>A commercial customer a Mini Program user belongs to.</summary>
public sealed record Membership(long CustomerId, string BusinessName, string Role, DateTimeOffset JoinedAt);

/// <summary>
/// Who may scan for a restaurant: its supply station issues a one-time invite code for the commercial
/// customer record (owner or staff); restaurant staff bind their WeChat identity to it in the Mini
/// Program. Only the code's SHA-256 is stored.
/// </summary>
public sealed class CommercialMembers(Db db, IOptions<CommercialOptions> options, Platform.Caching.CacheInvalidation invalidation, TimeProvider clock)
{
    private const string CustomerSql = "SELECT id, kind, supply_station_id AS StationId, district_code AS DistrictCode FROM customers WHERE supply_station_id = @stationId AND external_id = @externalId";
    private const string CustomerByIdSql = "SELECT id, kind, supply_station_id AS StationId, district_code AS DistrictCode FROM customers WHERE id = @customerId";
    private const string InviteSql =
        "INSERT INTO commercial_invites (code_hash, customer_id, role, created_by, created_at, expires_at) VALUES (@hash, @customerId, @role, @createdBy, @now, @expires)";
    private const string RedeemSql =
        "UPDATE commercial_invites SET used_at = @now, used_by = @userId WHERE code_hash = @hash AND used_at IS NULL AND expires_at > @now";
    private const string InviteByHashSql = "SELECT customer_id AS CustomerId, role FROM commercial_invites WHERE code_hash = @hash";
    private const string JoinSql =
        """
        INSERT INTO commercial_members (customer_id, user_id, role, joined_at) VALUES (@customerId, @userId, @role, @now)
        ON DUPLICATE KEY UPDATE role = @role, joined_at = @now, removed_at = NULL
        """;
    private const string MembersSql =
        "SELECT user_id AS UserId, role, joined_at AS JoinedAt FROM commercial_members WHERE customer_id = @customerId AND removed_at IS NULL ORDER BY joined_at";
    private const string RoleSql = "SELECT role FROM commercial_members WHERE customer_id = @customerId AND user_id = @userId AND removed_at IS NULL";
    private const string RemoveSql =
        "UPDATE commercial_members SET removed_at = @now WHERE customer_id = @customerId AND user_id = @memberId AND removed_at IS NULL AND role = 'staff'";
    private const string MembershipsSql =
        """
        SELECT m.customer_id AS CustomerId, COALESCE(c.business_name, '') AS BusinessName, m.role, m.joined_at AS JoinedAt
        FROM commercial_members m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = @userId AND m.removed_at IS NULL ORDER BY m.joined_at
        """;

    private sealed class CustomerRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public int StationId { get; init; }
        public string DistrictCode { get; init; } = "";
    }

    public abstract record InviteResult;
    public sealed record Invited(string Code, DateTimeOffset ExpiresAt) : InviteResult;
    public sealed record NoSuchCustomer : InviteResult;
    public sealed record NotCommercial : InviteResult;

    /// <summary>
    /// An invite issued in the console for a commercial customer by its id (administrators), only within
    /// the districts given (null: any): a customer elsewhere is reported as not found.
    /// </summary>
    public async Task<InviteResult> InviteByIdAsync(long customerId, IReadOnlyCollection<string>? districts, string role, string createdBy, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var customer = await conn.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(CustomerByIdSql, new { customerId }, cancellationToken: ct));
        if (customer is null || (districts is not null && !districts.Contains(customer.DistrictCode))) return new NoSuchCustomer();
        if (customer.Kind != "commercial") return new NotCommercial();
        return await IssueAsync(conn, customer.Id, role, createdBy, ct);
    }

    /// <summary>An invite for the station's commercial customer with this external id.</summary>
    /// <remarks>Rehearsed (a sandbox key): checked and answered with a code that is not stored, so it binds nobody.</remarks>
    public async Task<InviteResult> InviteAsync(int stationId, string externalId, string role, string createdBy, CancellationToken ct, bool rehearse = false)
    {
        await using var conn = await db.OpenAsync(ct);
        var customer = await conn.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(CustomerSql, new { stationId, externalId }, cancellationToken: ct));
        if (customer is null) return new NoSuchCustomer();
        if (customer.Kind != "commercial") return new NotCommercial();
        return await IssueAsync(conn, customer.Id, role, createdBy, ct, rehearse);
    }

    private async Task<InviteResult> IssueAsync(MySqlConnector.MySqlConnection conn, long customerId, string role, string createdBy, CancellationToken ct, bool rehearse = false)
    {
        // 10 characters without look-alikes: about 50 bits, used once, for days at most.
        var code = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 10);
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now.AddDays(options.Value.InviteDays);
        if (rehearse) return new Invited(code, new DateTimeOffset(expires, TimeSpan.Zero));
        await conn.ExecuteAsync(new CommandDefinition(InviteSql, new { hash = Hash(code), customerId, role, createdBy, now, expires }, cancellationToken: ct));
        return new Invited(code, new DateTimeOffset(expires, TimeSpan.Zero));
    }

    /// <summary>Binds the user with a code; null when the code is unknown, used or expired.</summary>
    public async Task<Membership?> JoinAsync(long userId, string? code, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 20) return null;
        var hash = Hash(code.Trim().ToUpperInvariant());
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(RedeemSql, new { hash, now, userId }, tx, cancellationToken: ct)) != 1) return null;
        var invite = await conn.QuerySingleAsync<(long CustomerId, string Role)>(new CommandDefinition(InviteByHashSql, new { hash }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(JoinSql, new { invite.CustomerId, userId, invite.Role, now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await invalidation.RemoveAsync(ReceivingScans.MemberKey(invite.CustomerId, userId), ct);
        return (await MembershipsAsync(userId, ct)).First(m => m.CustomerId == invite.CustomerId);
    }

    public async Task<IReadOnlyList<Membership>> MembershipsAsync(long userId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<(long CustomerId, string BusinessName, string Role, DateTime JoinedAt)>(new CommandDefinition(MembershipsSql, new { userId }, cancellationToken: ct)))
            .Select(m => new Membership(m.CustomerId, m.BusinessName, m.Role, Platform.Time.ShanghaiTime.FromUtc(m.JoinedAt))).ToList();
    }

    /// <summary>A restaurant's people, for its owner (ids only: nobody's WeChat identity is shown).</summary>
    public sealed record Member(long UserId, string Role, DateTimeOffset JoinedAt, bool You);

    /// <summary>The user's role at the restaurant, or null when not a member.</summary>
    public async Task<string?> RoleAsync(long userId, long customerId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<string?>(new CommandDefinition(RoleSql, new { customerId, userId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<Member>> MembersAsync(long userId, long customerId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<(long UserId, string Role, DateTime JoinedAt)>(new CommandDefinition(MembersSql, new { customerId }, cancellationToken: ct)))
            .Select(m => new Member(m.UserId, m.Role, Platform.Time.ShanghaiTime.FromUtc(m.JoinedAt), m.UserId == userId)).ToList();
    }

    /// <summary>The owner removes a staff member (owners are not removed here). False: no such staff member.</summary>
    public async Task<bool> RemoveStaffAsync(long customerId, long memberId, CancellationToken ct)
    {
        bool removed;
        await using (var conn = await db.OpenAsync(ct))
            removed = await conn.ExecuteAsync(new CommandDefinition(RemoveSql, new { customerId, memberId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 1;
        // Scans check membership through a cache: the removal reaches every instance now.
        if (removed) await invalidation.RemoveAsync(ReceivingScans.MemberKey(customerId, memberId), ct);
        return removed;
    }

    private static byte[] Hash(string code) => SHA256.HashData(Encoding.UTF8.GetBytes(code));
}
