using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;

namespace CylinderTrace.Integration;

/// <summary>
/// The body of an integration request whose headers already passed (known key, fresh timestamp): read
/// as it arrives into a buffer rented from the shared pool and grown by doubling (so it holds at most
/// twice what was actually sent, never what was merely announced), hashed with SHA-256 piece by piece,
/// and abandoned as soon as it passes the limit. The buffer goes back to the pool when the request ends.
/// </summary>
internal sealed class SignedBody : IDisposable
{
    private const int FirstBuffer = 64 * 1024;
    private byte[] _buffer;
    private int _length;

    private SignedBody(byte[] buffer) => _buffer = buffer;

    /// <summary>The bytes received; valid until the request ends.</summary>
    public ReadOnlyMemory<byte> Content => _buffer.AsMemory(0, _length);

    /// <summary>Lower-case hex of SHA-256 of the body, as the canonical string carries it.</summary>
    public string Sha256Hex { get; private set; } = "";

    /// <summary>The whole body, or null when it is longer than <paramref name="max"/> bytes (then read no further than one piece past the limit).</summary>
    public static async Task<SignedBody?> ReadAsync(HttpContext context, int max, CancellationToken ct)
    {
        // The limit on the body's own bytes is counted here. Kestrel's (30 MB unless set) would cut a
        // larger configured limit short, and it counts a chunked body's framing too, so a body just under
        // the limit sent in small chunks would pass ours and fail Kestrel's: Kestrel's bounds the bytes on
        // the wire, at twice the body limit (ample for any sensible chunk size).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = 2L * max;
        var stream = context.Request.Body;
        var body = new SignedBody(ArrayPool<byte>.Shared.Rent((int)Math.Clamp(context.Request.ContentLength ?? FirstBuffer, 1, Math.Min(FirstBuffer, max))));
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            while (true)
            {
                var room = Math.Min(body._buffer.Length, max) - body._length;
                if (room == 0)
                {
                    if (body._length < max) { body.Grow((int)Math.Min(body._buffer.Length * 2L, max)); continue; }
                    // Exactly at the limit: one byte more makes it too large.
                    if (await stream.ReadAsync(new byte[1], ct) > 0) { body.Dispose(); return null; }
                    break;
                }
                var read = await stream.ReadAsync(body._buffer.AsMemory(body._length, room), ct);
                if (read == 0) break;
                sha256.AppendData(body._buffer, body._length, read);
                body._length += read;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body.Dispose();
            return null;
        }
        catch
        {
            body.Dispose();
            throw;
        }
        Span<byte> hash = stackalloc byte[32];
        sha256.GetHashAndReset(hash);
        body.Sha256Hex = Convert.ToHexStringLower(hash);
        context.Response.RegisterForDispose(body);
        return body;
    }

    private void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
