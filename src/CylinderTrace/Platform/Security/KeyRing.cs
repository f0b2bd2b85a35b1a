using System.Xml.Linq;
using CylinderTrace.Platform.Database;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Security;

/// <summary>
/// ASP.NET Core data protection (console cookies, form tokens) with its key ring in MariaDB, every
/// key's secret encrypted under a key-encryption key from the settings; keys stored in clear by
/// earlier versions are dropped when the ring is read (DatabaseKeyRepository).
/// </summary>
public static class KeyRing
{
    private static readonly XNamespace DataProtectionXml = "http://schemas.asp.net/2015/03/dataProtection";

    public static IServiceCollection AddKeyRingInDatabase(this IServiceCollection services)
    {
        services.AddOptions<KeyRingEncryptionOptions>().BindConfiguration(KeyRingEncryptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyRingEncryptionOptions>, KeyRingEncryptionOptions.Validation>();
        services.AddSingleton<KeyEncryptionKeys>();
        // Cookies and form tokens must read the same on every instance and survive restarts: keys in MariaDB.
        services.AddDataProtection().SetApplicationName("CylinderTrace");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new DatabaseKeyRepository(sp.GetRequiredService<Db>(), sp.GetRequiredService<ILogger<DatabaseKeyRepository>>());
            o.XmlEncryptor = new KeyRingEncryptor(sp.GetRequiredService<KeyEncryptionKeys>());
        }));
        return services;
    }

    /// <summary>How a stored key's secret is kept: "kek:&lt;id&gt;", "unencrypted", or the decryptor's type name.</summary>
    public static string StorageOf(XElement keyElement)
    {
        if (keyElement.Descendants(KeyRingEncryptor.ElementName).FirstOrDefault() is { } sealedKey) return "kek:" + (string?)sealedKey.Attribute("kekId");
        if (InClear(keyElement)) return "unencrypted";
        return (string?)keyElement.Descendants(DataProtectionXml + "encryptedSecret").FirstOrDefault()?.Attribute("decryptorType") ?? "unknown";
    }

    /// <summary>A part the framework marks as secret (the master key) stored as it is: what earlier versions wrote.</summary>
    public static bool InClear(XElement keyElement) =>
        keyElement.Descendants().Any(e => (string?)e.Attribute(DataProtectionXml + "requiresEncryption") == "true");

    /// <summary>
    /// `data-protection-keys list | new | revoke-all`: the key ring as stored (id, dates, revoked, how
    /// it is encrypted); a new key active at once (under the current KEK); every key revoked (everyone
    /// signs in again). Running instances read the ring again when restarted.
    /// </summary>
    public static Task<int> CommandAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var manager = services.GetRequiredService<IKeyManager>();
        var stored = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!.GetAllElements()
            .Where(e => e.Name.LocalName == "key").ToDictionary(e => (string?)e.Attribute("id") ?? "", StorageOf);
        switch (args.FirstOrDefault())
        {
            case "list":
                System.Console.WriteLine($"current key-encryption key: kek:{services.GetRequiredService<KeyEncryptionKeys>().CurrentId}");
                foreach (var key in manager.GetAllKeys().OrderBy(k => k.CreationDate))
                    System.Console.WriteLine($"{key.KeyId}  created {key.CreationDate:u}  active {key.ActivationDate:u}  expires {key.ExpirationDate:u}  " +
                        $"{(key.IsRevoked ? "revoked" : "valid")}  {stored.GetValueOrDefault(key.KeyId.ToString(), "unknown")}");
                return Task.FromResult(0);
            case "new":
                var now = DateTimeOffset.UtcNow;
                var created = manager.CreateNewKey(now, now.AddDays(90));
                System.Console.WriteLine($"Created key {created.KeyId}, active now. Restart the instances so that each uses it.");
                return Task.FromResult(0);
            case "revoke-all":
                manager.RevokeAllKeys(DateTimeOffset.UtcNow, "revoked by an operator (data-protection-keys revoke-all)");
                System.Console.WriteLine("Revoked every key. Restart the instances: staff sign in again and a new key is made at first use.");
                return Task.FromResult(0);
            default:
                System.Console.Error.WriteLine("Usage: data-protection-keys list | new | revoke-all");
                return Task.FromResult(2);
        }
    }
}
