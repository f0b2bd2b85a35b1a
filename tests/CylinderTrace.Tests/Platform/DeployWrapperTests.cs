using System.Diagnostics;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// ops/deploy/cylindertrace, the way operators run commands on a server whose settings are a root-only env file
/// (docs/OPERATIONS.md). There is no systemd on the build machines, so systemd-run is a stand-in that records what it
/// was asked and exits as a command would: what is held here is what the script hands to systemd.
/// </summary>
public sealed class Running_a_command_through_the_deploy_wrapper
{
    private static string Wrapper()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CylinderTrace.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "ops", "deploy", "cylindertrace");
    }

    private static async Task<(int Exit, string[] Args)> RunAsync(params string[] args)
    {
        var bin = Directory.CreateTempSubdirectory("ct-wrapper-").FullName;
        var stub = Path.Combine(bin, "systemd-run");
        await File.WriteAllTextAsync(stub, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\nexit 3\n");
        File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Wrapper());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output.Split('\0')[..^1]);
    }

    [Fact]
    public async Task the_command_runs_as_the_service_user_with_the_env_file_and_its_exit_code_comes_back()
    {
        var (exit, args) = await RunAsync("import", "--kind", "cylinders", "--file", "imports/登记 表.csv", "--as", "闽燃经（充）20220002号", "--empty", "");
        Assert.Equal(3, exit);
        Assert.Contains("--wait", args);
        Assert.Contains("--pipe", args);
        Assert.Contains("--uid=cylindertrace", args);
        Assert.Contains("--property=EnvironmentFile=/etc/cylindertrace/env", args);
        Assert.Contains("--working-directory=/var/lib/cylindertrace", args);
        var command = args.SkipWhile(a => a != "/usr/bin/dotnet").ToArray();
        Assert.Equal(["/usr/bin/dotnet", "/opt/cylindertrace/CylinderTrace.dll", "import", "--kind", "cylinders", "--file", "imports/登记 表.csv",
            "--as", "闽燃经（充）20220002号", "--empty", ""], command);
    }

    /// <summary>systemd expands $NAME in a command's arguments; before, a $ the operator typed reached the command as a setting's value or nothing.</summary>
    [Fact]
    public async Task a_dollar_sign_reaches_the_command_as_typed()
    {
        var (_, args) = await RunAsync("create-staff", "--name", "a$b ${Privacy__HashKey} $$");
        Assert.Equal("a$$b $${Privacy__HashKey} $$$$", args[^1]);
    }
}
