using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Complaints.Photos;

/// <summary>
/// Reads one uploaded photo from a multipart/form-data request (field "file"), for every upload endpoint alike: a body
/// announced or found over the limit is 413, a broken or truncated multipart body is 400, never a 500.
/// </summary>
public static class PhotoUploads
{
    /// <summary>The photo's bytes, or the problem to answer.</summary>
    public static async Task<(byte[]? Data, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, string howToUpload, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes + 64 * 1024) return (null, TooLarge(maxBytes));
        if (!request.HasFormContentType) return (null, Problem.Of(400, "photo-required", "Photo required", howToUpload));
        IFormFile? file;
        try
        {
            var form = await request.ReadFormAsync(ct);
            file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TooLarge(maxBytes));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            // No boundary, a part without headers, too many parts, or the body ending before its closing boundary.
            return (null, Problem.Of(400, "invalid-multipart", "Upload not readable", "上传的内容不完整或格式不对，无法读出照片。请重新上传（multipart/form-data，文件字段名为 file）。"));
        }
        if (file is null || file.Length == 0) return (null, Problem.Of(400, "photo-required", "Photo required", "没有收到照片：文件字段名应为 file。"));
        if (file.Length > maxBytes) return (null, TooLarge(maxBytes));
        var data = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(data, ct);
        return (data, null);
    }

    public static ProblemHttpResult TooLarge(int maxBytes) =>
        Problem.Of(413, "photo-too-large", "Photo too large", $"照片不能超过{maxBytes / 1024 / 1024}MB，请压缩后再上传。");
}
