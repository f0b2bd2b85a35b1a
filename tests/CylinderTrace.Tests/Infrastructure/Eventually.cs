namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// The one way a test waits for something another thread, job or instance does: it polls (often at
/// first, then every 200 ms) until the condition holds, and fails the test, saying what it waited for,
/// when the deadline passes. A wait never ends quietly: a condition that did not come true is a failure.
/// </summary>
public static class Eventually
{
    /// <summary>Long enough for a background job on a busy two-core machine; only a failing test waits this long.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        ReturnsAsync(condition, held => held, what, within);

    /// <summary>Waits until <paramref name="condition"/> holds (a condition on in-memory state).</summary>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        ReturnsAsync(() => Task.FromResult(condition()), held => held, what, within);

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> accepts what it returned, and returns that.</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var limit = within ?? DefaultWithin;
        var deadline = DateTime.UtcNow + limit;
        var pause = FirstPause;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= deadline)
                throw new Xunit.Sdk.XunitException($"Waited {limit.TotalSeconds:0} s for {what}; it did not happen (last seen: {Describe(value)}).");
            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "nothing",
        bool b => b ? "true" : "false",
        System.Collections.ICollection c => $"{c.Count} item(s)",
        _ => value.ToString() ?? "?",
    };
}
