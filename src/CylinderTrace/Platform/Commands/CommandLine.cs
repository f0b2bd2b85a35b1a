using System.CommandLine;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Commands;

/// <summary>
/// The host binary's command line (System.CommandLine): no command word, or `serve`, serves HTTP; a command word
/// (`migrate`, `seed`, `import`, ...; features add theirs) runs that command with the host's services and exits.
/// `help`, `--help`, `-h` and `-?` print help for the tool or a command. Anything not understood (an unknown word,
/// an unknown option, a missing or wrong value) is an error on stderr with exit code 2, and nothing is started.
/// Settings may be given on any command line as `--Section:Key=value` (or `--Section:Key value`), as ASP.NET Core
/// reads them; they are taken out before the words are parsed.
/// </summary>
public static class CommandLine
{
    /// <summary>Exit code of a command line that was not understood, or of settings that are wrong.</summary>
    public const int UsageError = 2;

    /// <summary>Parses and runs a command line. Returns the process's exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CommandLineContext context)
    {
        var (words, settings) = SplitSettings(args);
        context.SettingArgs = settings;
        var root = Tool(context);
        var parse = root.Parse(words);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await context.Error.WriteLineAsync(error.Message);
            var command = parse.CommandResult.Command;
            await context.Error.WriteLineAsync($"See '{Path(command)} --help'.");
            return UsageError;
        }
        // The tool's own handling of Ctrl+C and SIGTERM stays off: the web host shuts down gracefully on its own,
        // and commands cancel through the context's token.
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
        });
    }

    /// <summary>The whole tool: serving (the default), `serve`, `help` and every registered command.</summary>
    public static RootCommand Tool(CommandLineContext context)
    {
        var root = new RootCommand(
            "CylinderTrace: bottled-LPG cylinder safety. Without a command it serves HTTP (as 'serve' does); with one it runs it and exits.\n" +
            "Settings (appsettings.json, environment variables such as Database__ConnectionString) may also be given on any command line as --Section:Key=value.");
        var urls = UrlsOption();
        var environment = EnvironmentOption();
        root.Add(urls);
        root.Add(environment);
        root.SetAction((parse, _) => context.Serve(WebArgs(context, parse.GetValue(urls), parse.GetValue(environment)), context));

        var serve = new Command("serve", "Serve HTTP (the web API, the console, the Official Account and Mini Program endpoints) and, by Hosting:Roles, run the background jobs. The default when no command is given.");
        var serveUrls = UrlsOption();
        var serveEnvironment = EnvironmentOption();
        serve.Add(serveUrls);
        serve.Add(serveEnvironment);
        serve.SetAction((parse, _) => context.Serve(WebArgs(context, parse.GetValue(serveUrls), parse.GetValue(serveEnvironment)), context));
        root.Add(serve);

        var migrate = new Command("migrate", "Apply pending database migrations and add the coming months' partitions, then exit.");
        migrate.SetAction((parse, _) => context.RunAsync(parse, MigrateAsync));
        root.Add(migrate);
        root.Add(Security.KeyRing.Command(context));
        foreach (var command in context.Commands(context)) root.Add(command);

        var help = new Command("help", "Show help for the tool, or for a command (help import, help integration-key create).");
        var named = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore, Description = "The command (and sub-command) to explain." };
        help.Add(named);
        help.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(named) ?? [];
            Command target = root;
            foreach (var word in path)
            {
                if (target.Subcommands.FirstOrDefault(c => c.Name == word) is not { } next)
                {
                    await context.Error.WriteLineAsync($"'{string.Join(' ', path)}' is not a command. Commands: {string.Join(", ", target.Subcommands.Select(c => c.Name))} (see 'CylinderTrace --help').");
                    return UsageError;
                }
                target = next;
            }
            return await root.Parse([.. path, "--help"]).InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error });
        });
        root.Add(help);
        return root;
    }

    private static Option<string?> UrlsOption() => new("--urls") { Description = "Addresses to listen on, e.g. http://127.0.0.1:5080 (semicolon-separated).", HelpName = "URLS" };

    private static Option<string?> EnvironmentOption() => new("--environment") { Description = "The hosting environment (Production unless set here or by DOTNET_ENVIRONMENT / ASPNETCORE_ENVIRONMENT).", HelpName = "NAME" };

    private static string[] WebArgs(CommandLineContext context, string? urls, string? environment) =>
        [.. context.SettingArgs, .. urls is null ? Array.Empty<string>() : ["--urls=" + urls], .. environment is null ? Array.Empty<string>() : ["--environment=" + environment]];

    /// <summary>"CylinderTrace import": how to name a command in a message.</summary>
    private static string Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault()) names.Insert(0, c is RootCommand ? "CylinderTrace" : c.Name);
        return string.Join(' ', names);
    }

    /// <summary>
    /// Settings given on the command line (`--Section:Key=value`, `--Section:Key value`) and the host's own
    /// `--contentRoot=`/`--applicationName=` (what test and tooling hosts pass) apart from the words to parse.
    /// </summary>
    public static (string[] Words, string[] Settings) SplitSettings(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        var settings = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 3) { words.Add(arg); continue; }
            var name = arg.AsSpan(2);
            var eq = name.IndexOf('=');
            var key = eq >= 0 ? name[..eq] : name;
            var isSetting = key.Contains(':') || key.Equals("contentRoot", StringComparison.OrdinalIgnoreCase) || key.Equals("applicationName", StringComparison.OrdinalIgnoreCase);
            if (!isSetting) { words.Add(arg); continue; }
            if (eq >= 0) settings.Add(arg);
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) settings.Add($"{arg}={args[++i]}");
            else settings.Add(arg + "=");
        }
        return (words.ToArray(), settings.ToArray());
    }

    /// <summary>Every problem with the settings, from all groups at once (the start-up validation the web host runs), empty when there is none.</summary>
    public static IReadOnlyList<string> SettingsProblems(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex) { return ex.Failures.Select(Plain).ToList(); }
        catch (AggregateException ex)
        {
            return ex.Flatten().InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures.Select(Plain) : [e.Message]).ToList();
        }
    }

    /// <summary>A data-annotation failure's own message, without the framework's wrapping ("DataAnnotation validation failed for … with the error: '…'.").</summary>
    private static string Plain(string failure)
    {
        const string marker = "with the error: '";
        var at = failure.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 && failure.EndsWith("'.", StringComparison.Ordinal) ? failure[(at + marker.Length)..^2] : failure;
    }

    /// <summary>Writes the settings' problems, one a line, with where settings come from; true when there were any.</summary>
    public static async Task<bool> ReportSettingsProblemsAsync(IServiceProvider services, TextWriter error)
    {
        var problems = SettingsProblems(services);
        if (problems.Count == 0) return false;
        await error.WriteLineAsync($"The settings have {problems.Count} problem(s); nothing was started:");
        foreach (var p in problems) await error.WriteLineAsync("  - " + p);
        await error.WriteLineAsync("Settings come from appsettings.json, environment variables (Section__Key) and --Section:Key=value; see appsettings.Example.json.");
        return true;
    }

    private static async Task<int> MigrateAsync(CommandRun run, CancellationToken ct)
    {
        var options = run.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var applied = await run.Services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        await run.Out.WriteLineAsync(applied.Count == 0 ? "Database is up to date." : $"Applied migrations: {string.Join(", ", applied)}");
        var partitions = await run.Services.GetRequiredService<PartitionMaintenance>().EnsureAsync(ct);
        if (partitions.Count > 0) await run.Out.WriteLineAsync($"Added partitions: {string.Join(", ", partitions)}");
        // Before any instance starts on this database, so that they all use the same key (see FirstKey).
        if (await run.Services.GetRequiredService<Security.FirstKey>().EnsureAsync(options.MigrationLockSeconds, ct))
            await run.Out.WriteLineAsync("Made the first data-protection key (console cookies and form tokens).");
        return 0;
    }
}

/// <summary>How the tool runs: where it writes, how it serves, which commands the features add, and (in tests) the services to use.</summary>
public sealed class CommandLineContext
{
    public TextWriter Output { get; init; } = System.Console.Out;
    public TextWriter Error { get; init; } = System.Console.Error;

    /// <summary>Serves HTTP with these host arguments (settings, --urls, --environment); returns the exit code.</summary>
    public required Func<string[], CommandLineContext, Task<int>> Serve { get; init; }

    /// <summary>The features' commands (built per run, each with its options and action).</summary>
    public required Func<CommandLineContext, IEnumerable<Command>> Commands { get; init; }

    /// <summary>Composes the services of a command's host (the same as the web host's).</summary>
    public required Action<IHostApplicationBuilder> AddServices { get; init; }

    /// <summary>When set (tests), commands run with these services instead of a host of their own.</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>Settings added under the command line's (tests).</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>The `--Section:Key=value` settings of this command line.</summary>
    public string[] SettingArgs { get; internal set; } = [];

    /// <summary>Exit code of a command stopped by Ctrl+C or SIGTERM (128 + SIGINT, as a shell reports an interrupted command).</summary>
    public const int Interrupted = 130;

    /// <summary>Runs a command's body with the host's services: builds the command host (no background services), reports every settings problem at once, cancels on Ctrl+C and SIGTERM.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<CommandRun, CancellationToken, Task<int>> body)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        System.Console.CancelKeyPress += cancel;
        // systemd stops a command run by ops/deploy/cylindertrace with SIGTERM (the operator's Ctrl+C on systemd-run):
        // cancel as for Ctrl+C, so the command ends its step and says where it stopped.
        using var terminate = Services is null ? System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); }) : null;
        try
        {
            if (Services is not null) return await body(new CommandRun(Services, parse, Output, Error), cts.Token);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = SettingArgs });
            if (Settings is not null) builder.Configuration.AddInMemoryCollection(Settings);
            builder.Logging.ClearProviders();
            // Logs go to stderr, so what a command prints on stdout (keys as TSV, summaries) can be piped on its own.
            builder.Logging.AddConsole(o => { o.FormatterName = Time.ShanghaiConsoleFormatter.FormatterName; o.LogToStandardErrorThreshold = LogLevel.Trace; })
                .AddConsoleFormatter<Time.ShanghaiConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
            AddServices(builder);
            // Commands do their own migrating; no background services.
            builder.Services.Configure<DatabaseOptions>(o => o.MigrateOnStart = false);
            using var host = builder.Build();
            if (await CommandLine.ReportSettingsProblemsAsync(host.Services, Error)) return CommandLine.UsageError;
            return await body(new CommandRun(host.Services, parse, Output, Error), cts.Token);
        }
        catch (OptionsValidationException ex)
        {
            await Error.WriteLineAsync("Settings error: " + string.Join(" ", ex.Failures));
            return CommandLine.UsageError;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await Error.WriteLineAsync();
            await Error.WriteLineAsync("Interrupted.");
            return Interrupted;
        }
        finally
        {
            System.Console.CancelKeyPress -= cancel;
        }
    }
}

/// <summary>One run of a command: the host's services, the parsed command line, and where to write.</summary>
public sealed class CommandRun(IServiceProvider services, ParseResult parse, TextWriter output, TextWriter error)
{
    public IServiceProvider Services { get; } = services;
    public ParseResult Parse { get; } = parse;
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;

    public T? Value<T>(Option<T> option) => Parse.GetValue(option);

    /// <summary>Applies pending migrations (each command does before it touches the database).</summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        var options = Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await Services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
    }
}
