using System.Reflection;
using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace CylinderTrace.Tests.Architecture;

/// <summary>
/// The SQL runs on MySQL 8 as well as MariaDB (docs/ARCHITECTURE.md, "MySQL 8 words"): no word MySQL 8 reserves is used
/// unquoted as a table, column or alias name, in any migration or any SQL string of the host. Words are the reserved
/// ones, marked (R), of the MySQL 8.0 Reference Manual, section 11.3 "Keywords and Reserved Words" (those new in 8.0
/// include the window functions: CUME_DIST, DENSE_RANK, FIRST_VALUE, LAG, LAST_VALUE, LEAD, NTH_VALUE, NTILE, RANK, …).
/// </summary>
public sealed partial class MySql_8_reserved_words
{
    private static readonly Assembly Host = typeof(CylinderTrace.Platform.Database.Db).Assembly;

    public static readonly HashSet<string> Reserved = new(
        """
        ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL CASCADE CASE CHANGE
        CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE CROSS CUBE CUME_DIST CURRENT_DATE
        CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC
        DECIMAL DECLARE DEFAULT DELAYED DELETE DENSE_RANK DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DOUBLE DROP DUAL
        EACH ELSE ELSEIF EMPTY ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FALSE FETCH FIRST_VALUE FLOAT FLOAT4 FLOAT8 FOR FORCE
        FOREIGN FROM FULLTEXT FUNCTION GENERATED GET GRANT GROUP GROUPING GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE
        HOUR_SECOND IF IGNORE IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT
        INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS ITERATE JOIN JSON_TABLE KEY KEYS KILL LAG LAST_VALUE LATERAL LEAD LEADING
        LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY MASTER_BIND
        MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD
        MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL NUMERIC OF ON OPTIMIZE OPTIMIZER_COSTS OPTION OPTIONALLY OR
        ORDER OUT OUTER OUTFILE OVER PARTITION PERCENT_RANK PRECISION PRIMARY PROCEDURE PURGE RANGE RANK READ READS READ_WRITE
        REAL RECURSIVE REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN REVOKE RIGHT RLIKE ROW ROWS
        ROW_NUMBER SCHEMA SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC SQL
        SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED STRAIGHT_JOIN
        SYSTEM TABLE TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE
        USAGE USE USING UTC_DATE UTC_TIME UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN WHERE WHILE
        WINDOW WITH WRITE XOR YEAR_MONTH ZEROFILL
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);

    // Reserved words that are options written "WORD=value" (table options, CREATE INDEX … LOCK=NONE), not names.
    private static readonly HashSet<string> OptionWords = new(["COLLATE", "LOCK"], StringComparer.OrdinalIgnoreCase);

    // Words that stand before a column's type in a definition (CREATE TABLE, ADD COLUMN).
    private static readonly HashSet<string> Types = new(
        "TINYINT SMALLINT MEDIUMINT INT INTEGER BIGINT DECIMAL NUMERIC FLOAT DOUBLE BIT BOOL BOOLEAN DATE DATETIME TIMESTAMP TIME YEAR CHAR VARCHAR BINARY VARBINARY TINYTEXT TEXT MEDIUMTEXT LONGTEXT TINYBLOB BLOB MEDIUMBLOB LONGBLOB ENUM SET JSON"
            .Split(' '), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The reserved words <paramref name="sql"/> uses as names, unquoted: outside comments, strings and backticks, a word
    /// that is qualified (x.word, word.x), follows AS, starts a column definition (word TYPE), is compared or assigned
    /// (word =, word &lt;, …), sits in a column list after INSERT … INTO t, is written in lower case (keywords are
    /// written in capitals here, names in lower case), or is the name of a column some migration defines.
    /// A word followed by "(" is a function call, not a name.
    /// </summary>
    public static IReadOnlyList<string> NamesThatAreReserved(string sql, ISet<string>? columns = null)
    {
        var tokens = Tokens(sql);
        var found = new List<string>();
        var inInsertColumns = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t == "(" && i >= 3 && IsWord(tokens[i - 1]) && tokens[i - 2].Equals("INTO", StringComparison.OrdinalIgnoreCase)) inInsertColumns = true;
            else if (t == ")") inInsertColumns = false;
            if (!IsWord(t) || !Reserved.Contains(t)) continue;
            string prev = i > 0 ? tokens[i - 1] : "", next = i + 1 < tokens.Count ? tokens[i + 1] : "";
            if (next == "(") continue;
            var isName =
                prev == "." || next == "."
                || prev.Equals("AS", StringComparison.OrdinalIgnoreCase)
                || (prev is "(" or "," && Types.Contains(next) && next.All(c => !char.IsLower(c)) && !t.Equals("PRIMARY", StringComparison.OrdinalIgnoreCase))
                || (next is "=" or "<" or ">" or "<=" or ">=" or "<>" or "!=" && !OptionWords.Contains(t))
                || (inInsertColumns && prev is "(" or ",")
                || t.All(c => !char.IsUpper(c))
                || (columns?.Contains(t) ?? false);
            if (isName) found.Add(t.ToLowerInvariant());
        }
        return found;
    }

    private static bool IsWord(string t) => t.Length > 0 && (char.IsLetter(t[0]) || t[0] == '_');

    /// <summary>Words, single-character punctuation and comparison operators; comments, quoted strings and `quoted names` dropped.</summary>
    private static List<string> Tokens(string sql)
    {
        var list = new List<string>();
        for (var i = 0; i < sql.Length;)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-' || c == '#')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
                continue;
            }
            if (c is '\'' or '"' or '`')
            {
                var j = i + 1;
                while (j < sql.Length && sql[j] != c) j += sql[j] == '\\' && c != '`' ? 2 : 1;
                list.Add(c == '`' ? "`name`" : "'text'");
                i = j + 1;
                continue;
            }
            if (char.IsLetterOrDigit(c) || c is '_' or '@' or '$')
            {
                var j = i;
                while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] is '_' or '@' or '$')) j++;
                var word = sql[i..j];
                list.Add(word[0] == '@' ? "@param" : word);
                i = j;
                continue;
            }
            if (c is '<' or '>' or '!' && i + 1 < sql.Length && sql[i + 1] is '=' or '>')
            {
                list.Add(sql.Substring(i, 2));
                i += 2;
                continue;
            }
            list.Add(c.ToString());
            i++;
        }
        return list;
    }

    private static IEnumerable<(string Where, string Sql)> Migrations() =>
        CylinderTrace.Platform.Database.MigrationRunner.Embedded().Select(m => ($"migration {m.Version:D4}_{m.Name}", m.Sql));

    /// <summary>Every string constant and literal of the host that reads as SQL (starts with a statement's or clause's word in capitals).</summary>
    private static IEnumerable<(string Where, string Sql)> SqlStrings()
    {
        using var module = ModuleDefinition.ReadModule(Host.Location);
        foreach (var type in module.GetTypes())
        {
            foreach (var field in type.Fields.Where(f => f.HasConstant && f.Constant is string))
                if (LooksLikeSql((string)field.Constant)) yield return (type.FullName + "." + field.Name, (string)field.Constant);
            foreach (var method in type.Methods.Where(m => m.HasBody))
                foreach (var instruction in method.Body.Instructions.Where(i => i.OpCode == OpCodes.Ldstr))
                    if (LooksLikeSql((string)instruction.Operand)) yield return (type.FullName + "." + method.Name, (string)instruction.Operand);
        }
    }

    private static bool LooksLikeSql(string text) => SqlStart().IsMatch(text);

    private static HashSet<string> DefinedColumns() =>
        Migrations().SelectMany(m => ColumnDefinition().Matches(m.Sql).Select(x => x.Groups["name"].Value)).ToHashSet(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void no_migration_uses_one_as_a_name()
    {
        var columns = DefinedColumns();
        var problems = Migrations().SelectMany(m => NamesThatAreReserved(m.Sql, columns).Distinct().Select(w => $"{m.Where}: {w}")).ToList();
        Assert.True(problems.Count == 0, "Quote these names with backticks, or choose another name:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void no_sql_string_of_the_host_uses_one_as_a_name()
    {
        var columns = DefinedColumns();
        var strings = SqlStrings().ToList();
        Assert.True(strings.Count > 300, $"only {strings.Count} SQL strings found: the scan no longer sees the host's SQL");
        var problems = strings.SelectMany(s => NamesThatAreReserved(s.Sql, columns).Distinct().Select(w => $"{s.Where}: {w}")).Distinct().ToList();
        Assert.True(problems.Count == 0, "Quote these names with backticks, or choose another name:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void the_scan_finds_what_migrations_0003_and_0005_had_before_their_correction()
    {
        // The landed texts (docs/ARCHITECTURE.md, "MySQL 8 words"): both failed on MySQL 8 with error 1064.
        Assert.Equal(["last_value"], NamesThatAreReserved("CREATE TABLE IF NOT EXISTS complaint_numbers (\n  day DATE NOT NULL PRIMARY KEY,\n  last_value INT NOT NULL\n)"));
        Assert.Equal(["lead", "lead"], NamesThatAreReserved("SELECT r.category FROM (SELECT 'gas' AS lead, 72 AS hours) r JOIN agencies a ON a.code = CONCAT(r.lead, '-', 1)"));
        Assert.Equal(["last_value", "last_value", "last_value"],
            NamesThatAreReserved("INSERT INTO complaint_numbers (day, last_value) VALUES (@day, 1) ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1)"));
        Assert.Equal(["rank"], NamesThatAreReserved("SELECT id FROM scores ORDER BY RANK", new HashSet<string>(["rank"], StringComparer.OrdinalIgnoreCase)));
        Assert.Equal(["rows"], NamesThatAreReserved("UPDATE t SET rows = 1"));
        // Quoted, a function, or a keyword in its place: fine.
        Assert.Empty(NamesThatAreReserved("INSERT INTO complaint_numbers (day, `last_value`) VALUES (@day, 1) ON DUPLICATE KEY UPDATE `last_value` = LAST_INSERT_ID(`last_value` + 1)"));
        Assert.Empty(NamesThatAreReserved("SELECT RANK() OVER (ORDER BY a) AS position, LEFT(name, 2) AS initials FROM t WHERE x IN (1, 2) AND y IS NOT NULL -- rank, lead\n"));
        Assert.Empty(NamesThatAreReserved("CREATE TABLE t (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"));
        Assert.Empty(NamesThatAreReserved("CREATE INDEX ix_t ON t (created_at) ALGORITHM=INPLACE LOCK=NONE"));
    }

    [GeneratedRegex(@"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|ALTER|DROP|DO|SET\s+@|ON\s+DUPLICATE|FROM|WHERE|JOIN|LEFT\s+JOIN|AND|ORDER\s+BY|GROUP\s+BY|UNION|\)\s*v?\s*ON)\b")]
    private static partial Regex SqlStart();

    [GeneratedRegex(@"(?:\(|,|ADD\s+COLUMN)\s*`?(?<name>[a-z_][a-z0-9_]*)`?\s+(?:TINYINT|SMALLINT|MEDIUMINT|INT|BIGINT|DECIMAL|DATE|DATETIME|TIMESTAMP|CHAR|VARCHAR|BINARY|VARBINARY|TEXT|MEDIUMTEXT|JSON|BOOLEAN|ENUM|DOUBLE)\b")]
    private static partial Regex ColumnDefinition();
}
