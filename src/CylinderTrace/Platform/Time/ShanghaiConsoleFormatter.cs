using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CylinderTrace.Platform.Time;

/// <summary>
/// Log lines for a person at a terminal (the commands): the time in China Standard Time (UTC+8, whatever the
/// server's own zone), the level, the category's last name and the message, e.g.
/// "2026-12-01 18:30:05 +08:00 info EnterpriseScores: Enterprise scores rolling ...".
/// </summary>
public sealed class ShanghaiConsoleFormatter(TimeProvider clock) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "shanghai";

    public ShanghaiConsoleFormatter() : this(TimeProvider.System) { }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        var category = logEntry.Category;
        var dot = category.LastIndexOf('.');
        textWriter.Write(ShanghaiTime.ToLocal(clock.GetUtcNow()).ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(dot >= 0 ? category[(dot + 1)..] : category);
        textWriter.Write(": ");
        textWriter.WriteLine(message);
        if (logEntry.Exception is not null) textWriter.WriteLine(logEntry.Exception.ToString());
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
