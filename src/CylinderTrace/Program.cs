using CylinderTrace;
using CylinderTrace.Platform.Commands;

// One host binary: with a command word (migrate, seed, ...) it runs that command and exits;
// without one it serves HTTP. See README.md and docs/ARCHITECTURE.md.
ApplicationExtensions.RegisterCommands();
if (CommandLine.IsCommand(args))
    return await CommandLine.RunAsync(args);

// Options are bound and validated once at start and nothing re-reads configuration, so the files are
// not watched for changes: reload-on-change watches the whole content root, recursively, and when the
// host runs from a checkout (ops/run.sh, the benchmarks) MariaDB's and Redis's files under .local/
// raise an event for every write, which the host then handles. An operator's own argument still wins.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
// The appsettings.json shipped beside the binary, under everything else: run from a checkout
// (ops/run.sh), the content root is the checkout, where the content root's own appsettings.json is absent.
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
{
    Path = "appsettings.json", Optional = true, ReloadOnChange = false,
    FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
});
builder.AddApplicationServices();
var app = builder.Build();
app.UseApplication();
await app.RunAsync();
return 0;

/// <summary>Lets WebApplicationFactory find the entry point.</summary>
public partial class Program;
