using CylinderTrace.Complaints;
using CylinderTrace.MiniProgram;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using CylinderTrace.Staff;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Seeding;

/// <summary>
/// `demo-console --password P`: demo staff of 鼓楼区 (an administrator, a supervisor and a handler of
/// the district's gas authority, a handler and an inspector of its market supervision) and a handful of complaints filed
/// through the complaint service, so the console has something to work on. Safe to run twice: existing
/// accounts are kept, and complaints are filed once (the same idempotency keys). For local demos only.
/// </summary>
public static class ConsoleDemo
{
    private static readonly (string Username, string Name, string Role, string Agency)[] Staff =
    [
        ("admin", "系统管理员", StaffRoles.Administrator, "gas-350100"),
        ("gl-supervisor", "林科长", StaffRoles.Supervisor, "gas-350102"),
        ("gl-handler", "陈办理", StaffRoles.Handler, "gas-350102"),
        ("gl-market", "黄专员", StaffRoles.Handler, "market-350102"),
        ("gl-inspector", "吴检查", StaffRoles.Inspector, "market-350102"),
    ];

    private static readonly NewComplaint[] Complaints =
    [
        new("service", "送气工上楼多收了二十元，说是电梯费，没有收据。", null, null, null, "350102", "鼓楼区东街100号", "13800000001", []),
        new("black_gas", "小区门口每天早上有一辆面包车卖液化气，气瓶上没有二维码。", null, 26.0823, 119.2961, "350102", "鼓楼区杨桥路某小区南门", null, []),
        new("cylinder_overdue", "送来的气瓶扫码显示超期未检，送气工说没关系照样用。", "FZ0000000003", null, null, "350102", "鼓楼区五四路88号", null, []),
        new("foreign_filled", "扫码显示这瓶气是别的公司充装的，和瓶子的产权单位不一致。", "FZ0000000007", null, null, "350102", "鼓楼区湖东路12号", null, []),
        new("restaurant_hazard", "隔壁饭店把五六个气瓶放在后厨门口的过道里，旁边就是灶台。", null, null, null, "350102", "鼓楼区东街口某饭店", null, []),
        new("short_weight", "这瓶气用了不到一周就空了，怀疑缺斤少两。", "FZ0000000001", null, null, "350102", "鼓楼区温泉路5号", null, []),
    ];

    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("demo-console", "Demo staff of 鼓楼区 and six demo complaints, for local demos only (safe to run twice).");
        var password = new System.CommandLine.Option<string>("--password") { Description = "The demo accounts' initial password (at least 10 characters; each must change it at first sign-in).", Required = true };
        command.Add(password);
        command.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run.Services, run.Value(password)!, run, ct)));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string password, CommandRun run, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);

        var accounts = services.GetRequiredService<StaffAccounts>();
        var store = services.GetRequiredService<StaffStore>();
        foreach (var (username, name, role, agency) in Staff)
        {
            if (await store.FindByUsernameAsync(username, ct) is not null) continue;
            var result = await accounts.CreateAsync(StaffScope.City, username, name, role, agency, password, ct);
            if (result is StaffAccounts.CreateRefused refused)
            {
                run.Err.WriteLine($"{username}: {string.Join(" ", refused.Errors.Values.SelectMany(v => v))}");
                return 1;
            }
        }

        var userId = await services.GetRequiredService<MiniProgramUsers>().SignInAsync("oDemoResident0001", null, ct);
        var complaints = services.GetRequiredService<ComplaintService>();
        var filed = 0;
        for (var i = 0; i < Complaints.Length; i++)
        {
            var result = await complaints.FileAsync(userId, $"demo-console-{i + 1}", Complaints[i], () => Task.FromResult<IResult?>(null), ct);
            if (result is ComplaintService.Created) filed++;
            else if (result is not ComplaintService.Replayed) run.Err.WriteLine($"demo complaint {i + 1}: {result}");
        }
        run.Out.WriteLine($"Demo console: accounts {string.Join(", ", Staff.Select(s => s.Username))} (initial password as given; change it at first sign-in); {filed} demo complaints filed (routed by the running host's workers).");
        return 0;
    }
}
