using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Security;

/// <summary>
/// The key-encryption keys (KEK) of the data-protection key ring: kept in the instances' settings, never
/// in the database, so a database backup alone cannot mint a console cookie or a form token.
/// </summary>
public sealed class KeyRingEncryptionOptions
{
    public const string Section = "DataProtection";
    public const string CurrentSetting = "DataProtection:KeyEncryptionKey";
    public const string PreviousSetting = "DataProtection:PreviousKeyEncryptionKeys";

    /// <summary>Base64 of 32 random bytes: encrypts every data-protection key written from now on (AES-256-GCM).</summary>
    public string KeyEncryptionKey { get; set; } = "";

    /// <summary>Earlier key-encryption keys, still read (never written) while keys they encrypted are in the ring.</summary>
    public List<string> PreviousKeyEncryptionKeys { get; set; } = [];

    /// <summary>Checked at start; each failure names its setting.</summary>
    internal sealed class Validation : IValidateOptions<KeyRingEncryptionOptions>
    {
        public ValidateOptionsResult Validate(string? name, KeyRingEncryptionOptions o)
        {
            var failures = new List<string>();
            if (string.IsNullOrWhiteSpace(o.KeyEncryptionKey))
                failures.Add($"{CurrentSetting} is required: Base64 of 32 random bytes (openssl rand -base64 32), kept apart from the database and its backups.");
            else if (!TryDecode(o.KeyEncryptionKey, out _))
                failures.Add($"{CurrentSetting} must be Base64 of exactly 32 bytes (openssl rand -base64 32).");
            for (var i = 0; i < o.PreviousKeyEncryptionKeys.Count; i++)
                if (!TryDecode(o.PreviousKeyEncryptionKeys[i], out _))
                    failures.Add($"{PreviousSetting}:{i} must be Base64 of exactly 32 bytes (a key-encryption key used before).");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    internal static bool TryDecode(string? base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(base64)) return false;
        try { key = Convert.FromBase64String(base64.Trim()); }
        catch (FormatException) { return false; }
        return key.Length == 32;
    }
}

/// <summary>The current key-encryption key and the previous ones, each known by its id (the first 8 bytes of its SHA-256, hex).</summary>
public sealed class KeyEncryptionKeys
{
    private readonly Dictionary<string, byte[]> _byId = new(StringComparer.Ordinal);

    public KeyEncryptionKeys(IOptions<KeyRingEncryptionOptions> options)
    {
        var o = options.Value;
        if (!KeyRingEncryptionOptions.TryDecode(o.KeyEncryptionKey, out var current))
            throw new OptionsValidationException(KeyRingEncryptionOptions.CurrentSetting, typeof(KeyRingEncryptionOptions),
                [$"{KeyRingEncryptionOptions.CurrentSetting} must be Base64 of exactly 32 bytes (openssl rand -base64 32)."]);
        CurrentId = IdOf(current);
        _byId[CurrentId] = current;
        foreach (var previous in o.PreviousKeyEncryptionKeys)
        {
            if (!KeyRingEncryptionOptions.TryDecode(previous, out var key))
                throw new OptionsValidationException(KeyRingEncryptionOptions.PreviousSetting, typeof(KeyRingEncryptionOptions),
                    [$"{KeyRingEncryptionOptions.PreviousSetting}: every entry must be Base64 of exactly 32 bytes."]);
            _byId.TryAdd(IdOf(key), key);
        }
    }

    public string CurrentId { get; }

    public byte[] Current => _byId[CurrentId];

    public byte[]? Find(string? id) => id is not null && _byId.TryGetValue(id, out var key) ? key : null;

    public static string IdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
}

/// <summary>
/// Encrypts each data-protection key's secret part (its master key) before it is stored, with
/// AES-256-GCM under the current key-encryption key. The element records the KEK's id, so a rotated
/// KEK (moved to PreviousKeyEncryptionKeys) still opens the keys it wrote.
/// </summary>
public sealed class KeyRingEncryptor(KeyEncryptionKeys keys) : IXmlEncryptor
{
    internal const string ElementName = "encryptedKey";
    private const int NonceSize = 12, TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        try
        {
            var sealedValue = new byte[NonceSize + TagSize + plain.Length];
            var nonce = sealedValue.AsSpan(0, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using (var aes = new AesGcm(keys.Current, TagSize))
                aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), AssociatedData(keys.CurrentId));
            var element = new XElement(ElementName,
                new XAttribute("kekId", keys.CurrentId),
                new XAttribute("algorithm", "AES-256-GCM"),
                new XComment(" Encrypted with the key-encryption key DataProtection:KeyEncryptionKey, which is not in the database. "),
                new XElement("value", Convert.ToBase64String(sealedValue)));
            return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Binds the ciphertext to the KEK id it claims, so the id cannot be swapped.</summary>
    internal static byte[] AssociatedData(string kekId) => Encoding.UTF8.GetBytes("CylinderTrace data-protection key ring v1 " + kekId);
}

/// <summary>
/// Opens what <see cref="KeyRingEncryptor"/> wrote, with the current or a previous key-encryption key.
/// ASP.NET Core creates it by its type name (recorded beside each key), with the host's services.
/// </summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    private const int NonceSize = 12, TagSize = 16;

    public XElement Decrypt(XElement encryptedElement)
    {
        var keys = services.GetRequiredService<KeyEncryptionKeys>();
        var kekId = (string?)encryptedElement.Attribute("kekId");
        var kek = keys.Find(kekId) ?? throw new CryptographicException(
            $"A data-protection key was encrypted with key-encryption key {kekId}, which is neither {KeyRingEncryptionOptions.CurrentSetting} " +
            $"nor one of {KeyRingEncryptionOptions.PreviousSetting}.");
        byte[] sealedValue;
        try { sealedValue = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? ""); }
        catch (FormatException) { throw new CryptographicException("An encrypted data-protection key is not Base64."); }
        if (sealedValue.Length < NonceSize + TagSize) throw new CryptographicException("An encrypted data-protection key is too short.");
        var plain = new byte[sealedValue.Length - NonceSize - TagSize];
        try
        {
            using (var aes = new AesGcm(kek, TagSize))
                aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain,
                    KeyRingEncryptor.AssociatedData(kekId!));
            return XElement.Parse(Encoding.UTF8.GetString(plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
