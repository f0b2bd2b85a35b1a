using System.Xml.Linq;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace CylinderTrace.Platform.Security;

/// <summary>
/// Keeps ASP.NET Core's data-protection key ring in MariaDB (table data_protection_keys), so every
/// instance of a deployment reads the cookies and form tokens any other instance issued, and a
/// restart signs nobody out. The framework calls this rarely (start, key roll-over), synchronously.
/// Keys arrive here already encrypted (KeyRingEncryptor). A key stored in clear (by a version before
/// the key-encryption key, or by one still running during the upgrade) is in every backup since, so
/// it is deleted when read, never used: cookies and form tokens it protected are refused and staff
/// sign in again, on a new, encrypted key.
/// </summary>
public sealed class DatabaseKeyRepository(Db db, ILogger<DatabaseKeyRepository> logger) : IXmlRepository
{
    private const string AllSql = "SELECT friendly_name AS Name, xml AS Xml FROM data_protection_keys ORDER BY created_at";
    private const string InsertSql = "INSERT IGNORE INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)";
    private const string DeleteSql = "DELETE FROM data_protection_keys WHERE friendly_name = @name";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db.DataSource.OpenConnection();
        var kept = new List<XElement>();
        foreach (var (name, xml) in conn.Query<(string Name, string Xml)>(AllSql))
        {
            var element = XElement.Parse(xml);
            if (element.Name.LocalName == "key" && KeyRing.InClear(element))
            {
                conn.Execute(DeleteSql, new { name });
                logger.LogWarning("Deleted data-protection key {Key}: it was stored unencrypted; cookies and form tokens it protected are no longer accepted", name);
                continue;
            }
            kept.Add(element);
        }
        return kept;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var conn = db.DataSource.OpenConnection();
        conn.Execute(InsertSql, new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
