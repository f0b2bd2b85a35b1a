using System.Security.Cryptography;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Tests.Platform;

public sealed class PersonalDataTests
{
    private static PersonalData New(string? key = null, string? hashKey = null) =>
        new(Options.Create(new PrivacyOptions { EncryptionKey = key ?? TestEnvironment.NewKey(), HashKey = hashKey ?? TestEnvironment.NewKey() }));

    [Fact]
    public void Encrypts_with_a_fresh_nonce_and_decrypts_back()
    {
        var pd = New();
        var a = pd.Encrypt("13812345678")!;
        var b = pd.Encrypt("13812345678")!;
        Assert.NotEqual(a, b);
        Assert.DoesNotContain("13812345678", System.Text.Encoding.UTF8.GetString(a));
        Assert.Equal("13812345678", pd.Decrypt(a));
        Assert.Equal("张三明", pd.Decrypt(pd.Encrypt("张三明")));
    }

    [Fact]
    public void Tampered_ciphertext_is_refused()
    {
        var pd = New();
        var c = pd.Encrypt("350102199001011234")!;
        c[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => pd.Decrypt(c));
    }

    [Fact]
    public void Another_key_cannot_read_it() =>
        Assert.ThrowsAny<CryptographicException>(() => New().Decrypt(New().Encrypt("secret")));

    [Fact]
    public void Look_up_hash_is_stable_per_key_and_normalised()
    {
        var key = TestEnvironment.NewKey();
        Assert.Equal(New(hashKey: key).Hash("35010219900101123x"), New(hashKey: key).Hash(" 35010219900101123X "));
        Assert.NotEqual(New().Hash("13812345678"), New().Hash("13812345678"));
    }

    [Fact]
    public void A_key_of_the_wrong_size_is_named_in_the_error()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => New(key: Convert.ToBase64String(new byte[16])));
        Assert.Contains("Privacy:EncryptionKey", ex.Message);
    }

    [Theory]
    [InlineData("张三明", "张*明")]
    [InlineData("张三", "张*")]
    [InlineData("欧阳小明", "欧**明")]
    [InlineData("王", "王")]
    [InlineData("", "")]
    public void Masks_names(string name, string masked) => Assert.Equal(masked, Mask.Name(name));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("12345", "***45")]
    public void Masks_phones(string phone, string masked) => Assert.Equal(masked, Mask.Phone(phone));
}
