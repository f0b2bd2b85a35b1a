using CylinderTrace.Commercial;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// What a Redis Cluster needs of the keys (docs/OPERATIONS.md, "Beyond one city"): keys one script or transaction
/// touches together share a hash slot, and every way a Redis call fails counts as Redis failing. ops/cluster-check.sh
/// runs the host on a real 6-node cluster; these hold the rules in the ordinary suite.
/// </summary>
[Collection(Collections.Apis)]
public sealed class Keys_for_a_Redis_Cluster(WebHostFixture fx)
{
    /// <summary>
    /// A key's slot as the Redis Cluster specification ("Key distribution model") defines it: CRC16 (XMODEM) of the key,
    /// or of the part between the first "{" and the next "}" when that part is not empty, modulo 16384.
    /// </summary>
    public static int HashSlot(string key)
    {
        var open = key.IndexOf('{');
        if (open >= 0 && key.IndexOf('}', open + 1) is var close and > 0 && close > open + 1) key = key[(open + 1)..close];
        ushort crc = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++) crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
        }
        return crc % 16384;
    }

    [Fact]
    public void slots_are_computed_as_the_cluster_does() =>
        // Values from `redis-cli cluster keyslot` on the cluster of ops/cluster-check.sh.
        Assert.Equal((12182, 11723, 11723), (HashSlot("foo"), HashSlot("{ctc:hangfire}:x"), HashSlot("{ctc:hangfire}:queues")));

    [Fact]
    public void the_live_scan_rates_hash_its_build_and_its_lock_share_a_slot()
    {
        var live = fx.Host.Services.GetRequiredService<LiveScanRates>();
        var day = new DateOnly(2026, 12, 1);
        string key = live.Key(day)!;
        Assert.EndsWith("{20261201}", key);
        var slot = HashSlot(key);
        Assert.Equal(slot, HashSlot(key + ":build:0A1B2C"));
        Assert.Equal(slot, HashSlot(key + ":lock"));
        Assert.NotEqual(slot, HashSlot(live.Key(day.AddDays(1))!));
    }

    [Fact]
    public void hangfires_keys_are_in_one_hash_tag_under_the_key_prefix()
    {
        var prefix = fx.Host.Services.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix;
        var jobs = new JobsOptions().PrefixUnder(prefix);
        Assert.Equal("{" + prefix + "hangfire}:", jobs);
        Assert.Equal(HashSlot(jobs + "job:42"), HashSlot(jobs + "queues"));
        Assert.NotEqual(HashSlot(prefix + "hangfire:job:42"), HashSlot(prefix + "hangfire:queues"));
        Assert.Equal("ct:hangfire:", new JobsOptions { KeyPrefix = "ct:hangfire:" }.PrefixUnder(prefix));
    }

    [Fact]
    public void a_command_the_cluster_cannot_route_is_a_Redis_failure_like_the_others()
    {
        // RedisCommandException (CROSSSLOT refused by the client) is no RedisException: catching only that let it kill the host.
        Assert.False(new RedisCommandException("Multi-key operations must involve a single slot") is RedisException);
        Assert.True(RedisFailure.Is(new RedisCommandException("Multi-key operations must involve a single slot")));
        Assert.True(RedisFailure.Is(new RedisServerException("CLUSTERDOWN The cluster is down")));
        Assert.True(RedisFailure.Is(new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent)));
        Assert.True(RedisFailure.Is(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down")));
        Assert.False(RedisFailure.Is(new InvalidOperationException("a bug")));
        Assert.True(RedisFailure.IsClusterTransition(new RedisServerException("TRYAGAIN Multiple keys request during rehashing of slot")));
        Assert.False(RedisFailure.IsClusterTransition(new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value")));
    }

    [Fact]
    public async Task readiness_asks_no_admin_command()
    {
        // The client has no admin mode (CLUSTER INFO, INFO would be refused); a ping of each primary is enough.
        Assert.DoesNotContain("allowAdmin=true", fx.Host.Services.GetRequiredService<IConnectionMultiplexer>().Configuration, StringComparison.OrdinalIgnoreCase);
        var ready = await fx.Host.CreateClient().GetStringAsync("/health/ready");
        Assert.Contains("Redis answers", ready);
    }
}
