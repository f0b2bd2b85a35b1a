using CylinderTrace;
using CylinderTrace.Platform.Commands;

// One host binary: without a command word (or with `serve`) it serves HTTP; with one (migrate, seed, import, ...)
// it runs that command and exits; help, --help and anything it does not understand never start the host.
// See README.md, docs/DEVELOPMENT.md (the commands) and Platform/Commands/CommandLine.cs.
return await CommandLine.RunAsync(args, ApplicationExtensions.CommandLineContext());

/// <summary>Lets WebApplicationFactory find the entry point.</summary>
public partial class Program;
