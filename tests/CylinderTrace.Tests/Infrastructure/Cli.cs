using CylinderTrace.Platform.Commands;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// The host binary's command line, run in process as Program runs it: the real commands and their parsing, with
/// what they print captured. With services, commands use them (a test host's) instead of building a host of their own;
/// serving is counted, never started.
/// </summary>
public sealed class Cli
{
    public int Served { get; private set; }
    public string[]? ServedWith { get; private set; }
    public int HostsBuilt { get; private set; }

    public sealed record Result(int Exit, string Out, string Err);

    public async Task<Result> RunAsync(IServiceProvider? services, IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var real = ApplicationExtensions.CommandLineContext(output, error, services, settings);
        var context = new CommandLineContext
        {
            Output = output, Error = error, Services = services, Settings = settings, Commands = real.Commands,
            AddServices = b => { HostsBuilt++; real.AddServices(b); },
            Serve = (a, _) => { Served++; ServedWith = a; return Task.FromResult(0); },
        };
        var exit = await CommandLine.RunAsync(args, context);
        return new Result(exit, output.ToString(), error.ToString());
    }

    public Task<Result> RunAsync(params string[] args) => RunAsync(null, null, args);
}
