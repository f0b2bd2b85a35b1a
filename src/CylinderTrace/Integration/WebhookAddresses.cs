using System.Net;
using System.Net.Sockets;

namespace CylinderTrace.Integration;

/// <summary>
/// Where enterprise webhooks may point: public addresses only, so a webhook cannot make our servers
/// call themselves, the internal network or a cloud metadata service (security issue 16, item 10).
/// An address is checked when it is set (literal addresses and names reserved for local use) and again
/// at every delivery, after DNS resolution: the connection is made to an address that was checked, so a
/// name that resolves differently later (DNS rebinding) cannot slip past. Integration:AllowInsecureWebhooks
/// turns all of this off (and allows http://), for development and tests.
/// </summary>
public static class WebhookAddresses
{
    // Special-purpose ranges that are not globally reachable, after RFC 6890 and its registries
    // (iana-ipv4/ipv6-special-registry), plus multicast and the deprecated site-local and IPv4-compatible forms.
    private static readonly IPNetwork[] NotPublic =
    [
        .. new[]
        {
            "0.0.0.0/8",         // "this network" (RFC 791)
            "10.0.0.0/8",        // private (RFC 1918)
            "100.64.0.0/10",     // shared address space, carrier-grade NAT (RFC 6598)
            "127.0.0.0/8",       // loopback (RFC 1122)
            "169.254.0.0/16",    // link-local, with the cloud metadata service 169.254.169.254 (RFC 3927)
            "172.16.0.0/12",     // private (RFC 1918)
            "192.0.0.0/24",      // IETF protocol assignments (RFC 6890)
            "192.0.2.0/24",      // documentation (RFC 5737)
            "192.88.99.0/24",    // 6to4 relay anycast (RFC 7526)
            "192.168.0.0/16",    // private (RFC 1918)
            "198.18.0.0/15",     // benchmarking (RFC 2544)
            "198.51.100.0/24",   // documentation (RFC 5737)
            "203.0.113.0/24",    // documentation (RFC 5737)
            "224.0.0.0/4",       // multicast (RFC 5771)
            "240.0.0.0/4",       // reserved, with the limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
            "::/96",             // unspecified, loopback and the deprecated IPv4-compatible addresses (RFC 4291)
            "64:ff9b:1::/48",    // local-use IPv4/IPv6 translation (RFC 8215)
            "100::/64",          // discard-only (RFC 6666)
            "2001::/23",         // IETF protocol assignments, with Teredo (RFC 2928, RFC 4380)
            "2001:db8::/32",     // documentation (RFC 3849)
            "3fff::/20",         // documentation (RFC 9637)
            "2002::/16",         // 6to4, deprecated (RFC 7526); carries an IPv4 address
            "fc00::/7",          // unique local (RFC 4193)
            "fe80::/10",         // link-local (RFC 4291)
            "fec0::/10",         // site-local, deprecated (RFC 3879)
            "ff00::/8",          // multicast (RFC 4291)
        }.Select(IPNetwork.Parse),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    /// <summary>The NAT64 well-known prefix (RFC 6052): the address is the IPv4 address in its last 32 bits.</summary>
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    /// <summary>Names for local use only: localhost (RFC 6761), mDNS .local (RFC 6762), .home.arpa (RFC 8375), .internal (ICANN, private use) and the common .localdomain.</summary>
    private static readonly string[] LocalSuffixes = ["localhost", "local", "localdomain", "internal", "home.arpa"];

    /// <summary>True when the address is globally reachable: not loopback, private, link-local, CGNAT, multicast, broadcast, reserved, or an IPv6 form of any of them.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        else if (Nat64.Contains(address)) return IsPublic(new IPAddress(address.GetAddressBytes()[12..]));
        // Only 2000::/3 is global unicast (RFC 4291 §2.4); everything else in IPv6 (IPv4-translated ::ffff:0:0/96,
        // SRv6 5f00::/16, unassigned space) is refused whatever a later registry entry says.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !GlobalUnicast.Contains(address)) return false;
        return !NotPublic.Any(n => n.Contains(address));
    }

    /// <summary>Why this webhook address may not be set (Chinese, for the enterprise, naming the field), or null when it points to the public internet.</summary>
    public static string? NotPublicReason(Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.');
        if (IPAddress.TryParse(host, out var literal))
            return IsPublic(literal) ? null : $"字段 url：{host} 是本机、内网、链路本地或保留地址，不能作为推送地址；请给出公网可访问的地址。";
        host = host.ToLowerInvariant();
        if (!host.Contains('.') || LocalSuffixes.Any(s => host == s || host.EndsWith("." + s, StringComparison.Ordinal)))
            return $"字段 url：主机名 {host} 只在本机或内网有效，不能作为推送地址；请给出公网域名。";
        return null;
    }

    /// <summary>
    /// SocketsHttpHandler.ConnectCallback for webhook deliveries: resolves the host, refuses it when any
    /// of its addresses is not public, and connects to one of the addresses it checked (never resolving again).
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.TrimEnd('.');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) throw new WebhookAddressRefusedException($"webhook-address-refused: 主机名 {host} 没有解析到任何地址。");
        var refused = addresses.Where(a => !IsPublic(a)).ToList();
        if (refused.Count > 0)
            throw new WebhookAddressRefusedException($"webhook-address-refused: {host} 解析到本机、内网或保留地址（{string.Join("、", refused)}），不向其推送。");
        SocketException? last = null;
        foreach (var checkedAddress in addresses)
        {
            var address = checkedAddress.IsIPv4MappedToIPv6 ? checkedAddress.MapToIPv4() : checkedAddress;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}

/// <summary>A webhook delivery refused before connecting: the address is not public.</summary>
public sealed class WebhookAddressRefusedException(string message) : IOException(message);
