using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Xml.Linq;
using CylinderTrace.Platform.Security;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// The data-protection key ring (it signs console cookies and form tokens) lies in MariaDB encrypted
/// under DataProtection:KeyEncryptionKey, so a database backup alone cannot mint a session. Each test has
/// a database of its own: hosts with other key-encryption keys write keys the others cannot open.
/// </summary>
public sealed class The_key_ring_at_rest : IAsyncLifetime
{
    private TestDatabase database = null!;
    private readonly string redisPrefix = CylinderTraceHost.NewRedisPrefix();
    private readonly List<CylinderTraceHost> hosts = [];

    public async Task InitializeAsync() => database = await TestEnvironment.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in hosts) await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private CylinderTraceHost Host(string keyEncryptionKey, params string[] previous)
    {
        var settings = new Dictionary<string, string?> { ["DataProtection:KeyEncryptionKey"] = keyEncryptionKey };
        for (var i = 0; i < previous.Length; i++) settings[$"DataProtection:PreviousKeyEncryptionKeys:{i}"] = previous[i];
        var host = new CylinderTraceHost(database.ConnectionString, redisPrefix, settings);
        hosts.Add(host);
        return host;
    }

    /// <summary>Signs a new member of a new agency in on the host; the console cookie it was given.</summary>
    private async Task<(string Cookie, string Username)> SignInAsync(CylinderTraceHost host)
    {
        var data = new TestData(database, host.Services);
        var agency = await data.AgencyAsync();
        var (_, username) = await data.StaffAsync(agency.Code);
        var response = await ConsoleClient.NewHttp(host).PostAsJsonAsync("/api/console/session", new { username, password = TestData.StaffPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ct_console=", StringComparison.Ordinal)).Split(';')[0], username);
    }

    private static Task<HttpResponseMessage> MeAsync(CylinderTraceHost host, string cookie)
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client.GetAsync("/api/console/me");
    }

    private async Task<List<XElement>> StoredKeysAsync()
    {
        await using var conn = await database.OpenAsync();
        return (await conn.QueryAsync<string>("SELECT xml FROM data_protection_keys")).Select(x => XElement.Parse(x)).Where(e => e.Name.LocalName == "key").ToList();
    }

    [Fact]
    public async Task is_one_key_when_instances_start_together_on_a_database_without_one()
    {
        // Migrated, but no key yet (as after the first deployment's `migrate`, before any instance ran).
        var kek = TestEnvironment.NewKey();
        await using (var first = new CylinderTraceHost(database.ConnectionString, redisPrefix, new Dictionary<string, string?> { ["DataProtection:KeyEncryptionKey"] = kek }))
            _ = first.Server;
        await using (var conn = await database.OpenAsync()) await conn.ExecuteAsync("DELETE FROM data_protection_keys");

        // Two web instances start at the same moment behind a proxy.
        var (a, b) = (Host(kek), Host(kek));
        await Task.WhenAll(Task.Run(() => a.Server), Task.Run(() => b.Server));
        Assert.Single(await StoredKeysAsync());
        // A console cookie issued by one is good on the other.
        var (cookie, _) = await SignInAsync(a);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(b, cookie)).StatusCode);
    }

    [Fact]
    public async Task is_made_by_the_migrate_command_before_any_instance_starts()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Redis:Configuration"] = TestEnvironment.Redis,
            ["Redis:KeyPrefix"] = redisPrefix,
            ["Privacy:EncryptionKey"] = CylinderTraceHost.EncryptionKey,
            ["Privacy:HashKey"] = CylinderTraceHost.HashKey,
            ["DataProtection:KeyEncryptionKey"] = CylinderTraceHost.KeyEncryptionKey,
        };
        var first = await new Cli().RunAsync(null, settings, "migrate");
        Assert.True(first.Exit == 0, first.Out + first.Err);
        Assert.Contains("data-protection key", first.Out);
        Assert.Single(await StoredKeysAsync());
        // Run again: nothing more.
        var again = await new Cli().RunAsync(null, settings, "migrate");
        Assert.True(again.Exit == 0, again.Out + again.Err);
        Assert.DoesNotContain("data-protection key", again.Out);
        Assert.Single(await StoredKeysAsync());
    }

    [Fact]
    public async Task holds_each_keys_master_key_only_encrypted_under_the_key_encryption_key()
    {
        var kek = TestEnvironment.NewKey();
        var host = Host(kek);
        var (cookie, _) = await SignInAsync(host);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(host, cookie)).StatusCode);

        var keys = await StoredKeysAsync();
        Assert.NotEmpty(keys);
        var rows = string.Join("\n", keys.Select(k => k.ToString(SaveOptions.DisableFormatting)));
        Assert.DoesNotContain("masterKey", rows);
        var decryptor = new KeyRingDecryptor(host.Services);
        foreach (var key in keys)
        {
            var sealedKey = Assert.Single(key.Descendants("encryptedKey"));
            Assert.Equal(KeyEncryptionKeys.IdOf(Convert.FromBase64String(kek)), (string?)sealedKey.Attribute("kekId"));
            // What it holds is the master key, whose value appears nowhere in the table.
            var masterKey = decryptor.Decrypt(sealedKey);
            Assert.Equal("masterKey", masterKey.Name.LocalName);
            var secret = masterKey.Elements().Single(e => e.Name.LocalName == "value").Value;
            Assert.True(Convert.FromBase64String(secret).Length >= 32);
            Assert.DoesNotContain(secret, rows);
        }
    }

    [Fact]
    public async Task a_host_with_another_key_encryption_key_refuses_the_cookies_and_one_given_the_old_key_as_previous_reads_them()
    {
        var first = TestEnvironment.NewKey();
        var second = TestEnvironment.NewKey();
        var (cookie, username) = await SignInAsync(Host(first));

        var strangerHost = Host(second);
        Assert.Equal(HttpStatusCode.Unauthorized, (await MeAsync(strangerHost, cookie)).StatusCode);
        // It is not broken, only unable to read the other's keys: it makes its own and signs people in.
        var (own, _) = await SignInAsync(strangerHost);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(strangerHost, own)).StatusCode);

        var rotatedHost = Host(second, first);
        var rotated = await MeAsync(rotatedHost, cookie);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Contains(username, await rotated.Content.ReadAsStringAsync());
        var (fresh, _) = await SignInAsync(rotatedHost);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(rotatedHost, fresh)).StatusCode);
    }

    /// <summary>The table as versions before the key-encryption key used it: the same SQL, no encryptor.</summary>
    private sealed class EarlierKeyRepository(string connectionString) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var conn = new MySqlConnection(connectionString);
            return conn.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at").Select(x => XElement.Parse(x)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var conn = new MySqlConnection(connectionString);
            conn.Execute("INSERT IGNORE INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)",
                new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
        }
    }

    [Fact]
    public async Task keys_stored_in_clear_by_an_earlier_version_are_deleted_and_open_nothing()
    {
        // The schema, as a host's start would make it (without starting one).
        await new CylinderTrace.Platform.Database.MigrationRunner(new CylinderTrace.Platform.Database.Db(new MySqlDataSource(database.ConnectionString)),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CylinderTrace.Platform.Database.MigrationRunner>.Instance).MigrateAsync(30);
        var earlier = new ServiceCollection();
        earlier.AddLogging();
        earlier.AddDataProtection().SetApplicationName("CylinderTrace");
        earlier.Configure<KeyManagementOptions>(o => o.XmlRepository = new EarlierKeyRepository(database.ConnectionString));
        await using var earlierServices = earlier.BuildServiceProvider();
        var payload = earlierServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("console-cookie-stand-in").Protect("staff:1"u8.ToArray());
        var inClear = Assert.Single(await StoredKeysAsync(), KeyRing.InClear);
        var keyId = Guid.Parse((string)inClear.Attribute("id")!);

        var upgraded = Host(TestEnvironment.NewKey());
        var protector = upgraded.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("console-cookie-stand-in");
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(payload));
        Assert.DoesNotContain(upgraded.Services.GetRequiredService<IKeyManager>().GetAllKeys(), k => k.KeyId == keyId);
        Assert.DoesNotContain(await StoredKeysAsync(), KeyRing.InClear);
        // The earlier version itself could read it: the payload is sound.
        Assert.Equal("staff:1"u8.ToArray(), earlierServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("console-cookie-stand-in").Unprotect(payload));

        // Signing in works, on a key that is stored encrypted.
        var (cookie, _) = await SignInAsync(upgraded);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(upgraded, cookie)).StatusCode);
        Assert.All(await StoredKeysAsync(), k => Assert.StartsWith("kek:", KeyRing.StorageOf(k)));
    }
}

/// <summary>The key ring's encryptor and decryptor on their own.</summary>
public sealed class Key_ring_encryption
{
    private static IServiceProvider Services(string current, params string[] previous)
    {
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(new KeyRingEncryptionOptions { KeyEncryptionKey = current, PreviousKeyEncryptionKeys = [.. previous] }));
        services.AddSingleton<KeyEncryptionKeys>();
        return services.BuildServiceProvider();
    }

    private static readonly XElement Secret = XElement.Parse("<masterKey><value>c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWJjZGVm</value></masterKey>");

    private static XElement Seal(IServiceProvider services) =>
        new KeyRingEncryptor(services.GetRequiredService<KeyEncryptionKeys>()).Encrypt(Secret).EncryptedElement;

    [Fact]
    public void round_trips_and_hides_the_secret()
    {
        var services = Services(TestEnvironment.NewKey());
        var info = new KeyRingEncryptor(services.GetRequiredService<KeyEncryptionKeys>()).Encrypt(Secret);
        Assert.Equal(typeof(KeyRingDecryptor), info.DecryptorType);
        Assert.DoesNotContain("c2VjcmV0", info.EncryptedElement.ToString());
        Assert.Equal(Secret.ToString(), new KeyRingDecryptor(services).Decrypt(info.EncryptedElement).ToString());
    }

    [Fact]
    public void a_rotated_key_still_opens_what_it_sealed_and_an_unknown_one_is_named()
    {
        var old = TestEnvironment.NewKey();
        var sealedByOld = Seal(Services(old));
        Assert.Equal(Secret.ToString(), new KeyRingDecryptor(Services(TestEnvironment.NewKey(), old)).Decrypt(sealedByOld).ToString());
        var ex = Assert.ThrowsAny<CryptographicException>(() => new KeyRingDecryptor(Services(TestEnvironment.NewKey())).Decrypt(sealedByOld));
        Assert.Contains("DataProtection:PreviousKeyEncryptionKeys", ex.Message);
    }

    [Fact]
    public void a_changed_ciphertext_or_key_id_is_refused()
    {
        var kek = TestEnvironment.NewKey();
        var services = Services(kek);
        var tampered = Seal(services);
        var value = Convert.FromBase64String(tampered.Element("value")!.Value);
        value[^1] ^= 1;
        tampered.Element("value")!.Value = Convert.ToBase64String(value);
        Assert.ThrowsAny<CryptographicException>(() => new KeyRingDecryptor(services).Decrypt(tampered));

        // The same ciphertext claimed for another (known) key-encryption key fails its authentication.
        var other = TestEnvironment.NewKey();
        var both = Services(kek, other);
        var relabelled = Seal(both);
        relabelled.Attribute("kekId")!.Value = KeyEncryptionKeys.IdOf(Convert.FromBase64String(other));
        Assert.ThrowsAny<CryptographicException>(() => new KeyRingDecryptor(both).Decrypt(relabelled));
    }
}
