using System.Security.Cryptography;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Photos;

/// <summary>
/// Complaint photos on disk, content-addressed by the SHA-256 of their cleaned bytes under
/// Photos:Folder (ab/cd/&lt;sha256&gt;.&lt;ext&gt;), with their metadata and uploaders in MariaDB.
/// Every photo is re-encoded by <see cref="PhotoSanitiser"/> before it is stored; the upload's own bytes are never kept.
/// A file is flushed to disk before its row is written, and its row before the upload is acknowledged.
/// </summary>
public sealed class PhotoStore(Db db, PhotoSanitiser sanitiser, IOptions<PhotoOptions> options, IHostEnvironment environment)
{
    private const string InsertPhotoSql = "INSERT IGNORE INTO photos (sha256, content_type, bytes) VALUES (@sha, @type, @bytes)";
    private const string InsertUploadSql = "INSERT IGNORE INTO photo_uploads (sha256, user_id) VALUES (@sha, @userId)";
    private const string VisibleToSql =
        """
        SELECT p.content_type FROM photos p
        WHERE p.sha256 = @sha AND EXISTS (SELECT 1 FROM photo_uploads u WHERE u.sha256 = p.sha256 AND u.user_id = @userId)
        """;

    private const string TypeSql = "SELECT content_type FROM photos WHERE sha256 = @sha";

    public sealed record Stored(string Id, string ContentType, int Bytes) : PhotoOutcome;

    private string Folder => Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.Folder));

    private string PathOf(string sha, string contentType) =>
        Path.Combine(Folder, sha[..2], sha[2..4], sha + contentType switch { "image/png" => ".png", "image/webp" => ".webp", _ => ".jpg" });

    /// <summary>
    /// <see cref="Stored"/>, or <see cref="PhotoRefused"/> when the bytes are not a JPEG, PNG or WebP photo we can clean.
    /// Without a Mini Program user (staff uploads, which their feature records), no uploader is recorded.
    /// </summary>
    public async Task<PhotoOutcome> SaveAsync(long? userId, byte[] data, CancellationToken ct)
    {
        var outcome = await sanitiser.CleanAsync(data, ct);
        if (outcome is not PhotoSanitiser.Cleaned clean) return outcome;
        var sha = Convert.ToHexStringLower(SHA256.HashData(clean.Bytes));
        var path = PathOf(sha, clean.ContentType);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await file.WriteAsync(clean.Bytes, ct);
                file.Flush(flushToDisk: true);
            }
            try { File.Move(temp, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { File.Delete(temp); } // the same photo, stored meanwhile
        }
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(InsertPhotoSql, new { sha, type = clean.ContentType, bytes = clean.Bytes.Length }, cancellationToken: ct));
        if (userId is not null) await conn.ExecuteAsync(new CommandDefinition(InsertUploadSql, new { sha, userId }, cancellationToken: ct));
        return new Stored(sha, clean.ContentType, clean.Bytes.Length);
    }

    /// <summary>The photo's file and type, if this Mini Program user uploaded it; otherwise null.</summary>
    public async Task<(string Path, string ContentType)?> FindForUploaderAsync(long userId, string sha, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var type = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(VisibleToSql, new { sha, userId }, cancellationToken: ct));
        if (type is null) return null;
        var path = PathOf(sha, type);
        return File.Exists(path) ? (path, type) : null;
    }

    /// <summary>
    /// A stored photo as the answer to a request: its stored type, never sniffed as another (nosniff, so a
    /// browser cannot be talked into running it as a page or script), cached by the browser only.
    /// </summary>
    public static IResult Serve(HttpContext context, (string Path, string ContentType) photo)
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.PhysicalFile(photo.Path, photo.ContentType);
    }

    /// <summary>The photo's file and type; callers decide who may see it (the console: staff of an agency that may read the complaint).</summary>
    public async Task<(string Path, string ContentType)?> FindAsync(string sha, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var type = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(TypeSql, new { sha }, cancellationToken: ct));
        if (type is null) return null;
        var path = PathOf(sha, type);
        return File.Exists(path) ? (path, type) : null;
    }
}
