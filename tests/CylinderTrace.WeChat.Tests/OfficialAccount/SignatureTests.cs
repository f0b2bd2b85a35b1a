using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.WeChat.Tests.OfficialAccount;

public sealed class SignatureTests
{
    // Known answer from WeChat's message-crypto sample (the "测试解密接口" example of the official
    // WXBizMsgCrypt sample code, as republished in its Node port): token "spamtest",
    // timestamp 1409735669, nonce 1320562132, and the Encrypt field below sign to 5d197aaf….
    private const string SampleEncrypt =
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    [Fact]
    public void Msg_signature_matches_the_official_sample() =>
        Assert.Equal("5d197aaffba7e9b25a30732f161a50dee96bd5fa", Signature.Compute("spamtest", "1409735669", "1320562132", SampleEncrypt));

    [Fact]
    public void Order_of_the_parts_does_not_matter() =>
        Assert.Equal(Signature.Compute("token", "1700000000", "nonce"), Signature.Compute("nonce", "token", "1700000000"));

    [Fact]
    public void Verify_accepts_the_right_signature_in_either_case_and_nothing_else()
    {
        var sig = Signature.Compute("token", "1700000000", "nonce");
        Assert.True(Signature.Verify(sig, "token", "1700000000", "nonce"));
        Assert.True(Signature.Verify(sig.ToUpperInvariant(), "token", "1700000000", "nonce"));
        Assert.False(Signature.Verify(sig, "token", "1700000001", "nonce"));
        Assert.False(Signature.Verify(sig[..39] + (sig[39] == '0' ? '1' : '0'), "token", "1700000000", "nonce"));
        Assert.False(Signature.Verify(null, "token", "1700000000", "nonce"));
        Assert.False(Signature.Verify("", "token", "1700000000", "nonce"));
        Assert.False(Signature.Verify(sig + "00", "token", "1700000000", "nonce"));
    }
}
