using System.CommandLine;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Time;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CylinderTrace.Tests.Platform;

/// <summary>The host binary's command line: help for everything, every mistake an error that starts nothing, serving only on purpose.</summary>
public sealed class The_command_line
{
    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(c => AllCommands(c).Prepend(c));

    private static readonly RootCommand Tool = CommandLine.Tool(ApplicationExtensions.CommandLineContext());

    private static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && c is not RootCommand; s = c.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return string.Join(' ', names);
    }

    public static TheoryData<string> Helps() => ["--help", "-h", "-?", "help"];

    [Theory]
    [MemberData(nameof(Helps))]
    public async Task helps_with_the_whole_tool_without_starting_anything(string word)
    {
        var cli = new Cli();
        var result = await cli.RunAsync(word);
        Assert.Equal(0, result.Exit);
        foreach (var command in Tool.Subcommands) Assert.Contains(command.Name, result.Out);
        Assert.Contains("--urls", result.Out);
        Assert.Equal(0, cli.Served);
        Assert.Equal(0, cli.HostsBuilt);
    }

    [Fact]
    public async Task helps_with_each_command_both_ways()
    {
        foreach (var command in AllCommands(Tool).Where(c => c.Name != "help"))
        {
            var path = PathOf(command).Split(' ');
            var cli = new Cli();
            var asked = await cli.RunAsync([.. path, "--help"]);
            var named = await cli.RunAsync(["help", .. path]);
            Assert.True(asked.Exit == 0, $"{string.Join(' ', path)} --help: {asked.Err}");
            Assert.Contains(command.Description!.Split(' ')[0], asked.Out);
            Assert.Equal(asked.Out, named.Out);
            foreach (var option in command.Options) Assert.Contains(option.Name, asked.Out);
            Assert.Equal(0, cli.Served);
            Assert.Equal(0, cli.HostsBuilt);
        }
    }

    [Theory]
    [InlineData("Unrecognized command or argument 'hlep'", "hlep")]
    [InlineData("Unrecognized command or argument 'migrat'", "migrat")]
    [InlineData("Unrecognized command or argument '--urlz'", "--urlz", "http://127.0.0.1:1")]
    [InlineData("Unrecognized command or argument '--help-me'", "--help-me")]
    [InlineData("Unrecognized command or argument 'import'", "serve", "import")]
    [InlineData("Unrecognized command or argument '--force'", "migrate", "--force")]
    [InlineData("'bogus' is not a command", "help", "bogus")]
    [InlineData("Required command was not provided", "integration-key")]
    [InlineData("Unrecognized command or argument 'delete'", "integration-key", "delete", "--key", "ck_1")]
    [InlineData("Unrecognized command or argument '--sandbox-mode'", "integration-key", "list", "--sandbox-mode")]
    [InlineData("Required command was not provided", "data-protection-keys")]
    [InlineData("Required command was not provided", "scores")]
    [InlineData("Unrecognized command or argument 'now'", "scores", "compute", "now")]
    [InlineData("Required command was not provided", "scan-rates")]
    public async Task refuses_words_and_options_it_does_not_know_and_starts_nothing(string expected, params string[] args)
    {
        var cli = new Cli();
        var result = await cli.RunAsync(args);
        Assert.Equal(CommandLine.UsageError, result.Exit);
        Assert.Contains(expected, result.Err);
        Assert.Contains("--help", result.Err);
        Assert.Equal("", result.Out);
        Assert.Equal(0, cli.Served);
        Assert.Equal(0, cli.HostsBuilt);
    }

    /// <summary>Each command's own argument errors, found before a host is built (so before anything is touched).</summary>
    [Theory]
    [InlineData("'--kind' is required", "import", "--file", "x.csv", "--as", "L")]
    [InlineData("Argument 'cylinder' not recognized", "import", "--kind", "cylinder", "--file", "/etc/hostname", "--as", "L")]
    [InlineData("File does not exist", "import", "--kind", "cylinders", "--file", "/no/such/file.csv", "--as", "L")]
    [InlineData("'--as' is required", "import", "--kind", "cylinders", "--file", "/etc/hostname")]
    [InlineData("--batch must be at least 1", "import", "--kind", "cylinders", "--file", "/etc/hostname", "--as", "L", "--batch", "0")]
    [InlineData("Cannot parse argument 'many'", "import", "--kind", "cylinders", "--file", "/etc/hostname", "--as", "L", "--batch", "many")]
    [InlineData("'--kind' is required", "import-template")]
    [InlineData("Argument 'stars' not recognized", "seed", "--preset", "stars")]
    [InlineData("Cannot parse argument 'x'", "seed", "--seed", "x")]
    [InlineData("'--password' is required", "demo-console")]
    [InlineData("'--username' is required", "create-admin")]
    [InlineData("'--role' is required", "create-staff", "--username", "u", "--agency", "gas-350100")]
    [InlineData("Argument 'boss' not recognized", "create-staff", "--username", "u", "--role", "boss", "--agency", "gas-350100")]
    [InlineData("'--agency' is required", "create-staff", "--username", "u", "--role", "handler")]
    [InlineData("Give either --licence or --inspection-body", "integration-key", "create")]
    [InlineData("Give either --licence or --inspection-body", "integration-key", "create", "--licence", "L", "--inspection-body", "TS1")]
    [InlineData("--name and --district go with --inspection-body", "integration-key", "create", "--licence", "L", "--name", "x")]
    [InlineData("takes both --name and --district", "integration-key", "create", "--inspection-body", "TS1", "--name", "x")]
    [InlineData("Argument '999999' not recognized", "integration-key", "create", "--inspection-body", "TS1", "--name", "x", "--district", "999999")]
    [InlineData("'--key' is required", "integration-key", "rotate")]
    [InlineData("'--key' is required", "integration-key", "revoke")]
    [InlineData("--days must be 1-800", "scan-rates", "rebuild", "--days", "0")]
    [InlineData("Cannot parse argument 'x'", "scan-rates", "rebuild", "--days", "x")]
    [InlineData("Cannot parse argument '2026-13-01'", "scan-rates", "rebuild", "--from", "2026-13-01", "--to", "2026-12-01")]
    [InlineData("--from and --to go together", "scan-rates", "rebuild", "--from", "2026-11-01")]
    [InlineData("--from may not be after --to", "scan-rates", "rebuild", "--from", "2026-11-02", "--to", "2026-11-01")]
    [InlineData("Give either --days or --from and --to", "scan-rates", "rebuild", "--days", "3", "--from", "2026-11-01", "--to", "2026-11-02")]
    public async Task names_each_commands_argument_errors(string expected, params string[] args)
    {
        var cli = new Cli();
        var result = await cli.RunAsync(args);
        Assert.Equal(CommandLine.UsageError, result.Exit);
        Assert.Contains(expected, result.Err);
        Assert.Equal(0, cli.HostsBuilt);
        Assert.Equal(0, cli.Served);
    }

    [Fact]
    public async Task serves_only_with_no_command_word_or_serve()
    {
        var cli = new Cli();
        Assert.Equal(0, (await cli.RunAsync()).Exit);
        Assert.Equal(1, cli.Served);
        Assert.Equal([], cli.ServedWith);

        Assert.Equal(0, (await cli.RunAsync("--urls", "http://127.0.0.1:5080", "--Hosting:Roles=web", "--Logging:LogLevel:Default", "Warning")).Exit);
        Assert.Equal(2, cli.Served);
        Assert.Equal(["--Hosting:Roles=web", "--Logging:LogLevel:Default=Warning", "--urls=http://127.0.0.1:5080"], cli.ServedWith);

        // What WebApplicationFactory and other tooling pass to the entry point.
        Assert.Equal(0, (await cli.RunAsync("serve", "--environment", "Staging", "--contentRoot=/srv/ct", "--applicationName=CylinderTrace")).Exit);
        Assert.Equal(3, cli.Served);
        Assert.Equal(["--contentRoot=/srv/ct", "--applicationName=CylinderTrace", "--environment=Staging"], cli.ServedWith);
        Assert.Equal(0, cli.HostsBuilt);
    }

    private static readonly Dictionary<string, string?> ThreeBadSettings = new()
    {
        ["Privacy:EncryptionKey"] = "dG9vLXNob3J0",
        ["Redis:Configuration"] = "",
        ["DataProtection:KeyEncryptionKey"] = "",
    };

    [Fact]
    public async Task reports_every_settings_problem_of_a_command_at_once()
    {
        var cli = new Cli();
        var result = await cli.RunAsync((IServiceProvider?)null, ThreeBadSettings, "migrate");
        Assert.Equal(CommandLine.UsageError, result.Exit);
        Assert.Contains("Privacy:EncryptionKey", result.Err);
        Assert.Contains("Redis:Configuration", result.Err);
        Assert.Contains("DataProtection:KeyEncryptionKey", result.Err);
        Assert.DoesNotContain("DataAnnotation validation failed", result.Err);
    }

    /// <summary>Before, a missing key was two problems ("is required" and "must be Base64 of …").</summary>
    [Fact]
    public async Task names_a_missing_key_once()
    {
        var result = await new Cli().RunAsync((IServiceProvider?)null, new Dictionary<string, string?> { ["Privacy:HashKey"] = "", ["Privacy:EncryptionKey"] = "" }, "migrate");
        Assert.Equal(CommandLine.UsageError, result.Exit);
        Assert.Single(result.Err.Split('\n'), l => l.Contains("Privacy:HashKey", StringComparison.Ordinal));
        Assert.Single(result.Err.Split('\n'), l => l.Contains("Privacy:EncryptionKey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task and_of_the_web_host_before_it_starts()
    {
        var error = new StringWriter();
        var context = ApplicationExtensions.CommandLineContext(new StringWriter(), error, settings: ThreeBadSettings);
        Assert.Equal(CommandLine.UsageError, await ApplicationExtensions.ServeAsync(["--urls=http://127.0.0.1:1"], context));
        Assert.Contains("Privacy:EncryptionKey", error.ToString());
        Assert.Contains("Redis:Configuration", error.ToString());
        Assert.Contains("DataProtection:KeyEncryptionKey", error.ToString());
    }

    [Fact]
    public void logs_a_command_in_china_standard_time()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 16, 30, 5, TimeSpan.Zero));
        var formatter = new ShanghaiConsoleFormatter(clock);
        var text = new StringWriter();
        formatter.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(Microsoft.Extensions.Logging.LogLevel.Information, "CylinderTrace.Supervision.EnterpriseScores", default,
            "Enterprise scores rolling", null, (s, _) => s), null, text);
        Assert.Equal("2026-12-02 00:30:05 +08:00 info EnterpriseScores: Enterprise scores rolling" + Environment.NewLine, text.ToString());
    }

    /// <summary>Days and instants in the commands' log lines (scores compute, scan-rate roll-ups, the first key): before, 11/02/2026 and 18:04:26Z.</summary>
    [Fact]
    public void log_lines_show_days_and_times_as_a_person_in_china_reads_them()
    {
        Assert.Equal("2026-11-02", ShanghaiTime.Text(new DateOnly(2026, 11, 2)));
        Assert.Equal("2027-03-02 02:04 +08:00", ShanghaiTime.Text(new DateTimeOffset(2027, 3, 1, 18, 4, 26, TimeSpan.Zero)));
    }

    [Fact]
    public void shows_key_times_in_china_standard_time() =>
        Assert.Equal("2026-12-02 00:30", IntegrationCommand.Cst(new DateTime(2026, 12, 1, 16, 30, 0, DateTimeKind.Unspecified)));

    /// <summary>The built binary as an operator runs it, with no settings at all: help and a typo answer at once, and neither starts a host.</summary>
    [Theory]
    [InlineData(0, "Commands:", "--help")]
    [InlineData(0, "--kind", "help", "import")]
    [InlineData(2, "Unrecognized command or argument 'hlep'", "hlep")]
    [InlineData(2, "Unrecognized command or argument '--verbose'", "migrate", "--verbose")]
    public async Task as_a_process_too(int exit, string expected, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // No settings: a host that started would report them missing instead of answering.
        foreach (var name in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(exit, process.ExitCode);
        Assert.Contains(expected, await output + await error);
        Assert.DoesNotContain("settings have", await error);
    }
}
