using System.Security.Cryptography;
using CylinderTrace.MiniProgram;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Photos;

/// <summary>
/// Complaint photos on disk, content-addressed by the SHA-256 of their cleaned bytes under
/// MiniProgram:PhotoFolder (ab/cd/&lt;sha256&gt;.&lt;ext&gt;), with their metadata and uploaders in MariaDB.
/// A file is flushed to disk before its row is written, and its row before the upload is acknowledged.
/// </summary>
public sealed class PhotoStore(Db db, IOptions<MiniProgramOptions> options, IHostEnvironment environment)
{
    private const string InsertPhotoSql = "INSERT IGNORE INTO photos (sha256, content_type, bytes) VALUES (@sha, @type, @bytes)";
    private const string InsertUploadSql = "INSERT IGNORE INTO photo_uploads (sha256, user_id) VALUES (@sha, @userId)";
    private const string VisibleToSql =
        """
        SELECT p.content_type FROM photos p
        WHERE p.sha256 = @sha AND EXISTS (SELECT 1 FROM photo_uploads u WHERE u.sha256 = p.sha256 AND u.user_id = @userId)
        """;

    private const string TypeSql = "SELECT content_type FROM photos WHERE sha256 = @sha";

    public sealed record Stored(string Id, string ContentType, int Bytes);

    private string Folder => Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.PhotoFolder));

    private string PathOf(string sha, string contentType) =>
        Path.Combine(Folder, sha[..2], sha[2..4], sha + contentType switch { "image/png" => ".png", "image/webp" => ".webp", _ => ".jpg" });

    /// <summary>Null when the bytes are not a JPEG, PNG or WebP image. Without a Mini Program user (staff uploads), no uploader is recorded.</summary>
    public async Task<Stored?> SaveAsync(long? userId, byte[] data, CancellationToken ct)
    {
        var clean = PhotoSanitiser.Sanitise(data);
        if (clean is null) return null;
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
