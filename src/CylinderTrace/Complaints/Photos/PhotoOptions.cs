using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Complaints.Photos;

/// <summary>Where photos are stored and how large an image may be (complaints' and inspectors' photos alike).</summary>
public sealed class PhotoOptions
{
    public const string Section = "Photos";

    /// <summary>Folder of stored photos (content-addressed); relative paths are under the content root. Shared by every web instance.</summary>
    [Required(ErrorMessage = "Photos:Folder is required (a folder the host may write, shared by every web instance).")]
    public string Folder { get; set; } = ".local/photos";

    /// <summary>
    /// Most pixels (width × height) a photo may have, read from its header before it is decoded: a few kilobytes can
    /// declare a 50000×50000 image. Photos are decoded into 4 bytes a pixel (twice that while turned upright), so this also
    /// bounds the memory of one upload (40 megapixels: about 160 MB, 320 MB at the peak).
    /// </summary>
    [Range(1_000_000, 200_000_000, ErrorMessage = "Photos:{0} must be between {1} and {2}.")]
    public int MaxPixels { get; set; } = 40_000_000;

    /// <summary>Photos decoded at the same time on one instance (each takes up to about 8 bytes a pixel of the largest allowed while it is turned upright).</summary>
    [Range(1, 64, ErrorMessage = "Photos:{0} must be between {1} and {2}.")]
    public int MaxConcurrentDecodes { get; set; } = 2;
}
