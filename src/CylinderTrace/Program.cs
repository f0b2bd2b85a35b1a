using CylinderTrace;
using CylinderTrace.Platform.Commands;

// One host binary: with a command word (migrate, seed, ...) it runs that command and exits;
// without one it serves HTTP. See README.md and docs/ARCHITECTURE.md.
ApplicationExtensions.RegisterCommands();
if (CommandLine.IsCommand(args))
    return await CommandLine.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddApplicationServices();
var app = builder.Build();
app.UseApplication();
await app.RunAsync();
return 0;

/// <summary>Lets WebApplicationFactory find the entry point.</summary>
public partial class Program;
