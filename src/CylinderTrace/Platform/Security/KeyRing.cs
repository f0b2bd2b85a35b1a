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
    public static System.CommandLine.Command Command(Commands.CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("data-protection-keys", "The console's key ring (cookies and form tokens): list the keys, make a new one, or revoke them all. Restart running instances afterwards.");
        var list = new System.CommandLine.Command("list", "Each key with its dates (China Standard Time), whether it is revoked and the key-encryption key it is under.");
        list.SetAction((parse, _) => tool.RunAsync(parse, (run, _) =>
        {
            var manager = run.Services.GetRequiredService<IKeyManager>();
            var stored = run.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!.GetAllElements()
                .Where(e => e.Name.LocalName == "key").ToDictionary(e => (string?)e.Attribute("id") ?? "", StorageOf);
            run.Out.WriteLine($"current key-encryption key: kek:{run.Services.GetRequiredService<KeyEncryptionKeys>().CurrentId}");
            foreach (var key in manager.GetAllKeys().OrderBy(k => k.CreationDate))
                run.Out.WriteLine($"{key.KeyId}  created {Cst(key.CreationDate)}  active {Cst(key.ActivationDate)}  expires {Cst(key.ExpirationDate)}  " +
                    $"{(key.IsRevoked ? "revoked" : "valid")}  {stored.GetValueOrDefault(key.KeyId.ToString(), "unknown")}");
            return Task.FromResult(0);
        }));
        var create = new System.CommandLine.Command("new", "A new key, active at once, under the current key-encryption key.");
        create.SetAction((parse, _) => tool.RunAsync(parse, (run, _) =>
        {
            var now = DateTimeOffset.UtcNow;
            var created = run.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
            run.Out.WriteLine($"Created key {created.KeyId}, active now. Restart the instances so that each uses it.");
            return Task.FromResult(0);
        }));
        var revokeAll = new System.CommandLine.Command("revoke-all", "Revoke every key: all staff sign in again, and a new key is made at first use.");
        revokeAll.SetAction((parse, _) => tool.RunAsync(parse, (run, _) =>
        {
            run.Services.GetRequiredService<IKeyManager>().RevokeAllKeys(DateTimeOffset.UtcNow, "revoked by an operator (data-protection-keys revoke-all)");
            run.Out.WriteLine("Revoked every key. Restart the instances: staff sign in again and a new key is made at first use.");
            return Task.FromResult(0);
        }));
        command.Add(list);
        command.Add(create);
        command.Add(revokeAll);
        return command;
    }

    private static string Cst(DateTimeOffset at) => Time.ShanghaiTime.ToLocal(at).ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
}
