using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Complaints.Photos;

/// <summary>What became of an uploaded photo: cleaned (<see cref="PhotoSanitiser.Cleaned"/>), stored (<see cref="PhotoStore.Stored"/>) or refused.</summary>
public abstract record PhotoOutcome;

public enum PhotoRefusal
{
    /// <summary>Not a JPEG, PNG or WebP, whatever its name or declared type says.</summary>
    NotAPhoto,
    /// <summary>Looks like one of them but cannot be decoded (truncated, corrupt, animated WebP).</summary>
    Unreadable,
    /// <summary>More pixels than Photos:MaxPixels (a decompression bomb, or simply too big).</summary>
    TooManyPixels,
}

/// <summary>A photo not accepted, with what to tell the person who sent it (Chinese) and its problem type (docs/PROBLEMS.md).</summary>
public sealed record PhotoRefused(PhotoRefusal Reason, string Detail, long? MaxPixels = null) : PhotoOutcome
{
    public static PhotoRefused NotAPhoto() => new(PhotoRefusal.NotAPhoto, "只能上传 JPEG、PNG 或 WebP 格式的照片。");

    public static PhotoRefused Unreadable() =>
        new(PhotoRefusal.Unreadable, "照片无法读取：文件可能已损坏、不完整，或是动图。请重新拍摄或选择照片后再上传。");

    public static PhotoRefused TooManyPixels(int width, int height, long maxPixels) =>
        new(PhotoRefusal.TooManyPixels, $"照片像素过多（{width}×{height}），最多{maxPixels / 10_000}万像素：请缩小照片后再上传。", maxPixels);

    public ProblemHttpResult Problem() => Reason switch
    {
        PhotoRefusal.NotAPhoto => Platform.Problems.Problem.Of(415, "photo-type-unsupported", "Not a photo", Detail),
        PhotoRefusal.TooManyPixels => Platform.Problems.Problem.Of(422, "photo-too-many-pixels", "Too many pixels", Detail,
            new Dictionary<string, object?> { ["maxPixels"] = MaxPixels }),
        _ => Platform.Problems.Problem.Of(422, "photo-unreadable", "Photo cannot be read", Detail),
    };
}
