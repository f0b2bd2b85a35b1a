using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.WeChat.Tests.OfficialAccount;

public sealed class MessageCryptoTests
{
    // Known answers from WeChat's official message-encryption sample code for Official Accounts
    // (Java, WXBizMsgCryptTest: encodingAesKey, appId, randomStr and the expected ciphertexts), as
    // republished in public repositories; the second message has Chinese text in a field.
    private const string SampleKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string SampleAppId = "wxb11529c136998cb6";
    private static readonly byte[] SampleRandom = Encoding.ASCII.GetBytes("aaaabbbbccccdddd");
    private const string SampleReply1 = "我是中文abcd123";
    private const string SampleCipher1 = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
    private const string SampleReply2 = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
    private const string SampleCipher2 = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb";

    // Known answer from the same sample code's decryption example (its Node port's README):
    // token "spamtest", appid wx2c2769f8efd9abc2, this Encrypt field signed 5d197aaf… (see SignatureTests).
    private const string SampleAppId3 = "wx2c2769f8efd9abc2";
    private const string SampleCipher3 =
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    private static readonly MessageCrypto Crypto = new(SampleKey, SampleAppId);

    [Fact]
    public void Encrypts_the_official_samples_to_their_known_ciphertexts()
    {
        Assert.Equal(SampleCipher1, Crypto.Encrypt(SampleReply1, SampleRandom));
        Assert.Equal(SampleCipher2, Crypto.Encrypt(SampleReply2, SampleRandom));
    }

    [Fact]
    public void Decrypts_the_official_samples()
    {
        Assert.Equal(SampleReply1, Crypto.Decrypt(SampleCipher1, out var r1));
        Assert.Equal(PushRejection.None, r1);
        Assert.Equal(SampleReply2, Crypto.Decrypt(SampleCipher2, out _));
        var xml = new MessageCrypto(SampleKey, SampleAppId3).Decrypt(SampleCipher3, out var r3);
        Assert.Equal(PushRejection.None, r3);
        Assert.StartsWith("<xml>", xml);
        Assert.Contains("<MsgType><![CDATA[text]]></MsgType>", xml);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("短")]
    [InlineData("<xml><Content><![CDATA[一二三四五六七八九十]]></Content></xml>")]
    public void Round_trips_every_length_with_random_prefix(string message)
    {
        var a = Crypto.Encrypt(message);
        Assert.NotEqual(a, Crypto.Encrypt(message));
        Assert.Equal(message, Crypto.Decrypt(a, out _));
        for (var n = 0; n < 70; n++)
            Assert.Equal(new string('x', n), Crypto.Decrypt(Crypto.Encrypt(new string('x', n)), out _));
    }

    [Fact]
    public void Pads_to_32_byte_blocks_not_16()
    {
        // 16 + 4 + 0 + 18 (AppID) = 38 bytes → padded to 64, not 48.
        Assert.Equal(64, Convert.FromBase64String(Crypto.Encrypt("")).Length);
    }

    [Fact]
    public void Refuses_another_accounts_message()
    {
        Assert.Null(new MessageCrypto(SampleKey, "wx0000000000000000").Decrypt(SampleCipher1, out var r));
        Assert.Equal(PushRejection.WrongAppId, r);
    }

    [Theory]
    [InlineData(null, PushRejection.MissingEncrypt)]
    [InlineData("", PushRejection.MissingEncrypt)]
    [InlineData("not base64!!", PushRejection.BadBase64)]
    [InlineData("AAAA", PushRejection.BadCiphertext)]
    public void Refuses_garbage(string? encrypt, PushRejection expected)
    {
        Assert.Null(Crypto.Decrypt(encrypt, out var r));
        Assert.Equal(expected, r);
    }

    [Fact]
    public void A_flipped_ciphertext_bit_never_throws_and_near_the_end_is_always_refused()
    {
        // CBC carries no MAC: the msg_signature over the ciphertext is what authenticates a push
        // (PushProtocolTests refuses every tampered Encrypt). Decryption itself must never throw,
        // and a flip that reaches the AppID or the padding must be refused.
        var cipher = Convert.FromBase64String(Crypto.Encrypt("<xml><A>1</A></xml>"));
        for (var i = 0; i < cipher.Length; i++)
        {
            var tampered = (byte[])cipher.Clone();
            tampered[i] ^= 0x01;
            var result = Crypto.Decrypt(Convert.ToBase64String(tampered), out var r);
            if (i >= cipher.Length - 32) Assert.True(result is null && r != PushRejection.None, $"byte {i}");
        }
    }

    private static string EncryptRaw(byte[] plain)
    {
        var key = Convert.FromBase64String(SampleKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
    }

    private static byte[] Plain(string message, string appId, int? lengthField = null, int? pad = null, byte? padByte = null)
    {
        var msg = Encoding.UTF8.GetBytes(message);
        var app = Encoding.UTF8.GetBytes(appId);
        var len = 20 + msg.Length + app.Length;
        var p = pad ?? 32 - len % 32;
        var plain = new byte[len + p];
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16), lengthField ?? msg.Length);
        msg.CopyTo(plain, 20);
        app.CopyTo(plain, 20 + msg.Length);
        plain.AsSpan(len).Fill(padByte ?? (byte)p);
        return plain;
    }

    [Fact]
    public void Refuses_bad_padding_length_and_app_id()
    {
        Assert.Equal("hi", Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId)), out _));

        Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId, padByte: 0)), out var zeroPad);
        Assert.Equal(PushRejection.BadPadding, zeroPad);
        Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId, pad: 56, padByte: 56)), out var bigPad);
        Assert.Equal(PushRejection.BadPadding, bigPad);
        var inconsistent = Plain("hi", SampleAppId);
        inconsistent[^2] ^= 1;
        Crypto.Decrypt(EncryptRaw(inconsistent), out var mixedPad);
        Assert.Equal(PushRejection.BadPadding, mixedPad);

        Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId, lengthField: 5000)), out var tooLong);
        Assert.Equal(PushRejection.BadLength, tooLong);
        Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId, lengthField: -1)), out var negative);
        Assert.Equal(PushRejection.BadLength, negative);
        Crypto.Decrypt(EncryptRaw(Plain("hi", SampleAppId, lengthField: 3)), out var shifted);
        Assert.Equal(PushRejection.WrongAppId, shifted);
        Crypto.Decrypt(EncryptRaw(Plain("hi", "wx_someone_else")), out var otherApp);
        Assert.Equal(PushRejection.WrongAppId, otherApp);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!")]
    public void Refuses_a_malformed_encoding_aes_key(string key) =>
        Assert.Throws<ArgumentException>(() => new MessageCrypto(key, SampleAppId));
}
