using System.Xml.Linq;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace CylinderTrace.Platform.Security;

/// <summary>
/// Keeps ASP.NET Core's data-protection key ring in MariaDB (table data_protection_keys), so every
/// instance of a deployment reads the cookies and form tokens any other instance issued, and a
/// restart signs nobody out. The framework calls this rarely (start, key roll-over), synchronously.
/// </summary>
public sealed class DatabaseKeyRepository(Db db) : IXmlRepository
{
    private const string AllSql = "SELECT xml FROM data_protection_keys ORDER BY created_at";
    private const string InsertSql = "INSERT IGNORE INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db.DataSource.OpenConnection();
        return conn.Query<string>(AllSql).Select(x => XElement.Parse(x)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var conn = db.DataSource.OpenConnection();
        conn.Execute(InsertSql, new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
