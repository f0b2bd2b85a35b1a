using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using SixLabors.ImageSharp;
using static CylinderTrace.Tests.Infrastructure.SamplePhotos;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// Issue 16, item 4, through the host: what a resident uploads is stored re-encoded, so no location
/// survives in any hiding place, and is served as an image that no browser may sniff into anything else;
/// pixel bombs and corrupt files are 4xx problems, never a 500.
/// </summary>
[Collection(Collections.Apis)]
public sealed class Uploaded_photos(WebHostFixture fx)
{
    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    public static TheoryData<string> Hidings() =>
    [
        .. Enum.GetNames<JpegHiding>().Select(n => "jpeg:" + n),
        .. Enum.GetNames<PngHiding>().Select(n => "png:" + n),
        "webp:Exif",
    ];

    private static (byte[] Bytes, string Type, int Width, int Height) Sample(string name, int seed) => name.Split(':') switch
    {
        ["jpeg", var where] => (Jpeg(Enum.Parse<JpegHiding>(where), seed), "image/jpeg", Height, Width), // EXIF orientation 6: stored upright
        ["png", var where] => (Png(Enum.Parse<PngHiding>(where), seed), "image/png", Width, Height),
        _ => (WebP(seed), "image/jpeg", Width, Height),
    };

    [Theory]
    [MemberData(nameof(Hidings))]
    public async Task keep_no_location_wherever_it_hid_and_are_still_the_picture(string hiding)
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var (bytes, type, width, height) = Sample(hiding, Random.Shared.Next(1, 65535));
        Assert.True(HoldsSecret(bytes));
        var uploaded = await user.UploadAsync(bytes);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var body = await Json(uploaded);
        Assert.Equal(type, body.GetProperty("contentType").GetString());

        var served = await user.Http.GetAsync($"/api/mp/photos/{body.GetProperty("photoId").GetString()}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var stored = await served.Content.ReadAsByteArrayAsync();
        Assert.False(HoldsSecret(stored), $"{hiding}: the location marker survived");
        Assert.Equal(body.GetProperty("bytes").GetInt32(), stored.Length);
        Assert.Equal(type, served.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(served.Headers.GetValues("X-Content-Type-Options")));
        using var image = Image.Load(stored, out var format);
        Assert.Equal(type, format.DefaultMimeType);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Null(image.Metadata.ExifProfile);
    }

    [Fact]
    public async Task that_declare_more_pixels_than_allowed_or_cannot_be_read_are_refused_with_a_4xx_problem()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        foreach (var bomb in new[] { PngDeclaring(50_000, 50_000), JpegDeclaring(60_000, 60_000) })
        {
            var refused = await user.UploadAsync(bomb);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            var problem = await Json(refused);
            Assert.Equal("photo-too-many-pixels", problem.GetProperty("code").GetString());
            Assert.Equal(40_000_000, problem.GetProperty("maxPixels").GetInt64());
            Assert.Contains("4000万像素", problem.GetProperty("detail").GetString());
        }
        foreach (var corrupt in new[]
                 {
                     (byte[])[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8.ToArray(), 1, 2, 3, 4, 5],
                     PlainPng()[..60],
                     [.. PlainPng()[..33], .. Chunk("IDAT", "not a zlib stream at all"u8.ToArray()), .. Chunk("IEND", [])],
                 })
        {
            var refused = await user.UploadAsync(corrupt);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("photo-unreadable", (await Json(refused)).GetProperty("code").GetString());
        }
        // An inspector's upload for a detention order meets the same cleaner.
        var agency = await fx.Data.AgencyAsync("market_supervision");
        var inspector = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        var form = new MultipartFormDataContent { { new ByteArrayContent(PngDeclaring(50_000, 50_000)), "file", "bomb.png" } };
        var detentionBomb = await inspector.Http.PostAsync("/api/console/detention-photos", form);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, detentionBomb.StatusCode);
        Assert.Equal("photo-too-many-pixels", (await Json(detentionBomb)).GetProperty("code").GetString());
    }
}
