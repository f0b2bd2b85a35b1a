using Xunit.Abstractions;

[assembly: TestCollectionOrderer("CylinderTrace.Tests.Infrastructure.LongestCollectionsFirst", "CylinderTrace.Tests")]

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// Starts the collections that take longest first (as measured, docs/DEVELOPMENT.md), so that the short
/// ones fill the parallel slots at the end instead of a long one running alone after the rest.
/// Collections not named here follow in name order.
/// </summary>
public sealed class LongestCollectionsFirst : ITestCollectionOrderer
{
    private static readonly string[] Longest =
    [
        Collections.Complaints,
        Collections.BackgroundJobs,
        Collections.Console,
        Collections.Apis,
        Collections.Integration,
        "The_key_ring_at_rest",
        "Migrations_are_applied_once_and_never_edited",
        "Event_tables_get_their_coming_months_partitions",
        "The_demo_data_set",
        "When_the_database_cannot_be_reached",
    ];

    private static int Rank(ITestCollection collection)
    {
        // An implicit collection is named "Test collection for <class>".
        var index = Array.FindIndex(Longest, name => collection.DisplayName == name || collection.DisplayName.EndsWith("." + name, StringComparison.Ordinal));
        return index < 0 ? Longest.Length : index;
    }

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
