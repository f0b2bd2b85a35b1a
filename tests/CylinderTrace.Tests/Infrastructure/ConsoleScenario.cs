using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>Intent methods for console tests: an agency of its own with staff, and complaints routed into its queue.</summary>
public sealed class ConsoleScenario(HostFixture fx)
{
    public sealed record Complaint(string Number, long Id, M Complainant);

    public async Task<(int Id, string Code)> AgencyAsync() => await fx.Data.AgencyAsync();

    public async Task<ConsoleClient> MemberAsync(string agencyCode, string role = "handler", string? name = null)
    {
        var (_, username) = await fx.Data.StaffAsync(agencyCode, role, name: name);
        return await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
    }

    /// <summary>The agency whose administrators administer the whole city (Console:CityAdministratorAgency).</summary>
    public const string CityAgency = "gas-350100";

    /// <summary>An administrator of the city-level agency: administers every agency's staff, the routing rules and /hangfire.</summary>
    public Task<ConsoleClient> CityAdministratorAsync() => MemberAsync(CityAgency, "administrator");

    /// <summary>A complaint filed through the Mini Program, routed, then placed in this agency's queue.</summary>
    public async Task<Complaint> RoutedComplaintAsync(int agencyId, object? complaint = null, M? complainant = null)
    {
        complainant ??= await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await complainant.FileOkAsync(complaint ?? M.Complaint(description: "送气工多收了二十元上楼费，还态度很差"))).GetProperty("number").GetString()!;
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await fx.Data.MoveToAgencyAsync(id, agencyId);
        return new Complaint(number, id, complainant);
    }
}
