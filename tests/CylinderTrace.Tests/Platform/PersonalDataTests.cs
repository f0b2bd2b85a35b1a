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

/// <summary>Free text published to the public (Open311) keeps no phone, ID or house number.</summary>
public sealed class Public_text_masking
{
    [Theory]
    [InlineData("林女士电话13912345678，请尽快处理", "林女士电话139****5678，请尽快处理")]
    [InlineData("联系电话：139 1234 5678。", "联系电话：139****5678。")]
    [InlineData("回电+86 139-1234-5678即可", "回电139****5678即可")]
    [InlineData("电话１３９１２３４５６７８", "电话139****5678")]
    [InlineData("座机0591-87654321转802，白天有人", "座机0591-****4321，白天有人")]
    [InlineData("物业（0591）87654321", "物业0591-****4321")]
    [InlineData("北京总部010-12345678", "北京总部010-****5678")]
    [InlineData("电话87654321", "电话******21")]
    [InlineData("身份证号35010219900307123X。", "身份证号350**************X。")]
    [InlineData("身份证350102199003071234，", "身份证350**************4，")]
    [InlineData("身份证３５０１０２１９９００３０７１２３Ｘ", "身份证350**************Ｘ")]
    [InlineData("旧证号350102900307123", "旧证号*************23")]
    [InlineData("住鼓楼区五四路12号3栋2单元501室", "住鼓楼区五四路**号*栋*单元***室")]
    [InlineData("家住501室的住户", "家住***室的住户")]
    [InlineData("仓山区某小区3号楼1201", "仓山区某小区*号楼****")]
    [InlineData("五四路12号3-2-501楼道", "五四路**号*-*-***楼道")]
    [InlineData("三栋二单元楼下", "*栋*单元楼下")]
    [InlineData("十二号楼门口", "**号楼门口")]
    public void masks_phones_id_numbers_and_house_numbers(string text, string masked) => Assert.Equal(masked, Mask.PublicText(text));

    [Theory]
    [InlineData("已合并办理：与投诉 TS20261201-000123 反映的是同一问题。")]
    [InlineData("气瓶FZ0000123456、FZ0591876543已扣押")]
    [InlineData("11月12号上门核查")]
    [InlineData("地铁1号线旁的餐馆")]
    [InlineData("YSP35.5型气瓶15公斤，多收20元")]
    [InlineData("送到8楼")]
    [InlineData("2026年12月1日")]
    [InlineData("福州市公安局鼓楼区分局")]
    [InlineData("已办结：经核查，反映问题属实，已依法处理。")]
    public void leaves_codes_dates_amounts_and_agency_wording_alone(string text) => Assert.Equal(text, Mask.PublicText(text));

    [Fact]
    public void masks_a_handlers_whole_reply_but_cannot_find_names()
    {
        const string reply = "经核查，林秀英（身份证35010219900307123X，电话13912345678）在鼓楼区五四路12号3栋2单元501室违规存放气瓶，已责令整改。";
        Assert.Equal("经核查，林秀英（身份证350**************X，电话139****5678）在鼓楼区五四路**号*栋*单元***室违规存放气瓶，已责令整改。",
            Mask.PublicText(reply));
        Assert.Null(Mask.PublicText(null));
    }
}
