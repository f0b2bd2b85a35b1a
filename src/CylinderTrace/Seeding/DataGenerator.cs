using System.Diagnostics;
using System.Globalization;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Dapper;
using MySqlConnector;
using static CylinderTrace.Seeding.BulkTable;

namespace CylinderTrace.Seeding;

/// <summary>
/// Generates a deterministic (fixed seed) city: filling enterprises, supply stations, delivery
/// workers, household and commercial customers (personal data protected as in production),
/// cylinders with a realistic few percent overdue, near-scrap, past-scrap, scrapped and detained,
/// and the last N days of fills (a share by stations that do not own the cylinder), deliveries and
/// inspections. Cylinders FZ0000000001-7 show one state each (see README.md).
/// Cylinders without a fill in the window get a synthetic older last fill/delivery in their summary
/// columns only, so the card looks as it would in a system that has run for years.
/// </summary>
internal sealed class DataGenerator(Db db, PersonalData personal, SeedPreset p, int seed, TimeProvider clock)
{
    private static readonly string[] Surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤".Select(c => c.ToString()).ToArray();
    private static readonly string[] GivenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯鹏飞云鑫俊波宁琳晨旭阳雪梅海燕林峰翔彬志坤婷颖晶冰琴倩".Select(c => c.ToString()).ToArray();
    private static readonly string[] Brands = "榕安 闽江 鼓山 三坊 七巷 乌山 于山 屏山 西湖 左海 金山 南台 马江 吴航 融城 凤城 罗川 梅城 樟城 岚岛 琅岐 青口 荆溪 上街 南通 新店 宦溪 寿山 北峰 洪山 建新 盖山 城门 螺洲 义序 首山 快安 亭江 营前 潭头 江田 玉田 松下 江阴 龙田 海口 东瀚 音西 宏路 丹阳 敖江 琯头 晓澳 坑园 白沙 大湖".Split(' ');
    private static readonly string[] Manufacturers = ["福建闽东气瓶制造有限公司", "浙江金盾压力容器有限公司", "江苏民生特种设备有限公司", "山东华安气瓶有限公司"];
    private static readonly string[] ManufacturerCodes = ["MD", "JD", "MS", "HA"];
    private static readonly string[] Dishes = ["面馆", "快餐店", "小吃店", "海鲜酒楼", "沙县小吃", "鱼丸店", "烧烤店", "火锅店", "饭店", "食堂", "粥铺", "茶餐厅"];
    // How the city's households spread over its districts (roughly by population); names from the one list, Platform's Districts.
    private static readonly (string Code, string Name, int Weight)[] Districts =
        new (string Code, int Weight)[]
        {
            ("350102", 9), ("350103", 6), ("350104", 11), ("350105", 3), ("350111", 10), ("350112", 7), ("350121", 9), ("350122", 6),
            ("350123", 3), ("350124", 3), ("350125", 3), ("350128", 4), ("350181", 12),
        }.Select(d => (d.Code, Platform.ReferenceData.Districts.Name(d.Code), d.Weight)).ToArray();

    private readonly Random _rng = new(seed);
    // Receiving scans draw from their own sequence, so the rest of the city is what it was before they were added.
    private readonly Random _scanRng = new(seed + 1);
    // Black gas has its own sequence, so adding it left every other table as it was.
    private readonly Random _blackGasRng = new(seed + 2);
    private Dictionary<long, long> _restaurantUsers = [];
    private long _lastScanId;
    private bool[] _commercial = [];
    private readonly List<(long DeliveryId, DateTime At, long Customer, int Cylinder, int Station, int Worker)> _restaurantDeliveries = [];
    private readonly List<(long FillId, DateTime At, int Cylinder, int Station, string Kinds)> _violations = [];
    private DateOnly _today;
    private DateTime _nowUtc;

    // Enterprises: filling 1..F, supply F+1..F+S.
    private int[] _stationParent = [];
    private string[] _enterpriseDistrict = [];
    private int[][] _filling_stations = [];
    private int[][] _stationWorkers = [];
    private long[][] _stationCustomers = [];

    // Cylinders, index = id - 1.
    private int[] _owner = [], _station = [];
    private DateOnly[] _made = [], _scrap = [];
    private DateOnly?[] _lastInspection = [];
    private DateOnly[] _nextInspection = [];
    private bool[] _scrapped = [], _detained = [];
    private DateTime[] _lastFillAt = [], _lastDeliveryAt = [];
    private int[] _lastFillStation = [], _lastDeliveryStation = [], _lastDeliveryWorker = [];
    private long[] _lastDeliveryCustomer = [];
    private (string? CreditCode, bool? IdNumberValid, bool? CreditCodeValid)[] _identities = [];

    public static async Task WipeAsync(MySqlConnection conn, CancellationToken ct)
    {
        await conn.ExecuteAsync("SET SESSION foreign_key_checks = 0");
        foreach (var table in new[]
                 {
                     "delivery_alert_notices", "delivery_alert_codes", "delivery_alerts", "unregistered_scans",
                     "black_gas_detention_photos", "black_gas_codes", "black_gas_detentions",
                     "scan_rate_rollups", "scan_rate_refreshes", "receiving_scan_deliveries", "receiving_scans", "commercial_members", "commercial_invites",
                     "fill_violation_events", "fill_violations", "orphan_fills", "enterprise_licences",
                     "inspection_finding_photos", "inspection_plan_targets", "inspection_plans", "licence_reviews", "enterprise_score_deductions",
                     "enterprise_grade_changes", "enterprise_scores", "customer_identities",
                     "inspections", "deliveries", "fills", "cylinders", "customers", "delivery_workers", "enterprises",
                 })
            await conn.ExecuteAsync(new CommandDefinition($"TRUNCATE TABLE {table}", cancellationToken: ct));
        await conn.ExecuteAsync("SET SESSION foreign_key_checks = 1");
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        _nowUtc = clock.GetUtcNow().UtcDateTime;
        _today = ShanghaiTime.Today(clock);
        var counts = new Dictionary<string, long>();

        counts["enterprises"] = await EnterprisesAsync(ct);
        counts["delivery_workers"] = await WorkersAsync(ct);
        counts["customers"] = await CustomersAsync(ct);
        counts["customer_identities"] = await IdentitiesAsync(ct);
        PlanCylinders();
        (counts["fills"], counts["deliveries"]) = await EventsAsync(ct);
        counts["enterprise_licences"] = await LicencesAsync(ct);
        counts["fill_violations"] = await ViolationsAsync(ct);
        counts["receiving_scans"] = await ReceivingScansAsync(ct);
        counts["unregistered_scans"] = await BlackGasAsync(ct);
        counts["inspections"] = await InspectionsAsync(ct);
        counts["cylinders"] = await CylindersAsync(ct);
        return string.Join(", ", counts.Select(c => $"{c.Value:N0} {c.Key}"));
    }

    private async Task<long> EnterprisesAsync(CancellationToken ct)
    {
        var f = p.FillingEnterprises;
        var s = p.SupplyStations;
        _enterpriseDistrict = new string[f + s + 1];
        _stationParent = new int[f + s + 1];
        var stationsOf = Enumerable.Range(0, f + 1).Select(_ => new List<int>()).ToArray();
        using var progress = new Progress("enterprises", f + s);
        await using var table = new BulkTable(db, "enterprises",
            ["id", "kind", "name", "licence_number", "parent_id", "district_code", "address", "status"], [], progress.Add, ct);
        for (var id = 1; id <= f; id++)
        {
            var d = District();
            _enterpriseDistrict[id] = d.Code;
            var brand = Brands[(id - 1) % Brands.Length] + (id > Brands.Length ? (id / Brands.Length + 1).ToString(CultureInfo.InvariantCulture) : "");
            table.Row(Num(id), "filling", $"福州{brand}燃气有限公司", $"闽燃经（充）{2020 + id % 5}{id:D4}号", @"\N", d.Code, $"{d.Name}{brand}路{_rng.Next(1, 300)}号", "active");
            await table.EndRowAsync();
        }
        for (var i = 0; i < s; i++)
        {
            var id = f + 1 + i;
            // Every filling enterprise gets at least one station; the rest are spread at random.
            var parent = i < f ? i + 1 : _rng.Next(1, f + 1);
            _stationParent[id] = parent;
            stationsOf[parent].Add(id);
            var d = District();
            _enterpriseDistrict[id] = d.Code;
            var brand = Brands[(parent - 1) % Brands.Length];
            table.Row(Num(id), "supply", $"{brand}燃气{d.Name}第{stationsOf[parent].Count}供应站", $"闽燃经（供）{2021 + id % 4}{id:D4}号",
                Num(parent), d.Code, $"{d.Name}{Brands[_rng.Next(Brands.Length)]}街{_rng.Next(1, 500)}号", "active");
            await table.EndRowAsync();
        }
        _filling_stations = stationsOf.Select(l => l.ToArray()).ToArray();
        return f + s;
    }

    private async Task<long> WorkersAsync(CancellationToken ct)
    {
        var f = p.FillingEnterprises;
        var total = p.SupplyStations * p.WorkersPerStation;
        _stationWorkers = new int[f + p.SupplyStations + 1][];
        using var progress = new Progress("delivery_workers", total);
        await using var table = new BulkTable(db, "delivery_workers",
            ["id", "enterprise_id", "name", "employee_number", "permit_number", "permit_valid_until", "phone_enc", "status"],
            [], progress.Add, ct);
        var id = 0;
        for (var station = f + 1; station <= f + p.SupplyStations; station++)
        {
            _stationWorkers[station] = new int[p.WorkersPerStation];
            for (var k = 0; k < p.WorkersPerStation; k++)
            {
                id++;
                _stationWorkers[station][k] = id;
                var expired = _rng.NextDouble() < 0.02;
                var validUntil = expired ? _today.AddDays(-_rng.Next(1, 200)) : _today.AddDays(_rng.Next(30, 1500));
                table.Row(Num(id), Num(station), PersonName(), $"{station:D4}{k + 1:D2}", $"FZPS{2019 + id % 6}{id:D6}", Date(validUntil),
                    @"\N", _rng.NextDouble() < 0.01 ? "suspended" : "active");
                await table.EndRowAsync();
            }
        }
        return id;
    }

    private async Task<long> CustomersAsync(CancellationToken ct)
    {
        var f = p.FillingEnterprises;
        var byStation = Enumerable.Range(0, f + p.SupplyStations + 1).Select(_ => new List<long>()).ToArray();
        using var progress = new Progress("customers", p.Customers);
        _commercial = new bool[p.Customers + 1];
        _identities = new (string?, bool?, bool?)[p.Customers + 1];
        // Its own stream, so the rest of the city is the same as before identities were checked.
        var identityRng = new Random(seed + 7);
        await using var table = new BulkTable(db, "customers",
            ["id", "kind", "supply_station_id", "district_code", "business_name", "business_address", "@name_enc", "@phone_enc", "@phone_hash",
             "@id_number_enc", "@id_number_hash", "@address_enc", "external_id"],
            ["name_enc = UNHEX(@name_enc)", "phone_enc = UNHEX(@phone_enc)", "phone_hash = UNHEX(@phone_hash)",
             "id_number_enc = UNHEX(@id_number_enc)", "id_number_hash = UNHEX(@id_number_hash)", "address_enc = UNHEX(@address_enc)"],
            progress.Add, ct);
        for (long id = 1; id <= p.Customers; id++)
        {
            var station = _rng.Next(f + 1, f + p.SupplyStations + 1);
            byStation[station].Add(id);
            var district = _enterpriseDistrict[station];
            var name = PersonName();
            var phone = "1" + "3456789"[_rng.Next(7)] + _rng.Next(0, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);
            var commercial = _rng.NextDouble() < p.CommercialShare;
            _commercial[id] = commercial;
            if (commercial)
            {
                // Most businesses give a valid 统一社会信用代码; some a mistyped one, some none (the real-name rate counts only valid ones).
                var roll = identityRng.NextDouble();
                var code = roll < 0.07 ? null : CreditCode(district, identityRng, corrupt: roll < 0.15);
                _identities[id] = (code, null, code is null ? null : UnifiedSocialCreditCode.IsValid(code));
                table.Row(Num(id), "commercial", Num(station), district, $"{Brands[_rng.Next(Brands.Length)]}{Dishes[_rng.Next(Dishes.Length)]}",
                    $"{DistrictName(district)}{Brands[_rng.Next(Brands.Length)]}路{_rng.Next(1, 400)}号", Hex(personal.Encrypt(name)),
                    Hex(personal.Encrypt(phone)), Hex(personal.Hash(phone)), @"\N", @"\N", @"\N", $"C{id:D8}");
            }
            else
            {
                string? idNumber = IdNumber(district);
                // Most households registered a valid ID number; some a mistyped one (a wrong check character), some none.
                var roll = identityRng.NextDouble();
                if (roll < 0.02) idNumber = null;
                else if (roll < 0.06) idNumber = idNumber[..17] + (idNumber[17] == '0' ? '1' : '0');
                _identities[id] = (null, idNumber is null ? null : ResidentIdNumber.IsValid(idNumber), null);
                table.Row(Num(id), "household", Num(station), district, @"\N", @"\N", Hex(personal.Encrypt(name)),
                    Hex(personal.Encrypt(phone)), Hex(personal.Hash(phone)), idNumber is null ? @"\N" : Hex(personal.Encrypt(idNumber)), idNumber is null ? @"\N" : Hex(personal.Hash(idNumber)),
                    Hex(personal.Encrypt($"{DistrictName(district)}{Brands[_rng.Next(Brands.Length)]}小区{_rng.Next(1, 30)}栋{_rng.Next(1, 30)}0{_rng.Next(1, 5)}")),
                    $"H{id:D8}");
            }
            await table.EndRowAsync();
        }
        _stationCustomers = byStation.Select(l => l.ToArray()).ToArray();
        return p.Customers;
    }

    private void PlanCylinders()
    {
        var n = p.Cylinders;
        _owner = new int[n]; _station = new int[n]; _made = new DateOnly[n]; _scrap = new DateOnly[n];
        _lastInspection = new DateOnly?[n]; _nextInspection = new DateOnly[n]; _scrapped = new bool[n]; _detained = new bool[n];
        _lastFillAt = new DateTime[n]; _lastDeliveryAt = new DateTime[n]; _lastFillStation = new int[n];
        _lastDeliveryStation = new int[n]; _lastDeliveryWorker = new int[n]; _lastDeliveryCustomer = new long[n];

        for (var i = 0; i < n; i++)
        {
            var owner = _rng.Next(1, p.FillingEnterprises + 1);
            _owner[i] = owner;
            var stations = _filling_stations[owner];
            _station[i] = stations[_rng.Next(stations.Length)];

            var roll = _rng.NextDouble();
            int ageDays;
            if (roll < 0.010) ageDays = 12 * 365 + _rng.Next(5, 400);        // past the scrap date, still about
            else if (roll < 0.045) ageDays = 11 * 365 + _rng.Next(0, 360);   // near the scrap date
            else ageDays = _rng.Next(30, 11 * 365);
            var made = _today.AddDays(-ageDays);
            _made[i] = made;
            _scrap[i] = made.AddYears(12);

            // Inspections happen on time, a little early; ~3% missed their last one (overdue).
            var cycles = ageDays / (4 * 365);
            var missed = _rng.NextDouble() < 0.04 && cycles >= 1;
            if (missed) cycles--;
            DateOnly? last = cycles == 0 ? null : made.AddYears(4 * cycles).AddDays(-_rng.Next(0, 60));
            _lastInspection[i] = last;
            _nextInspection[i] = (last ?? made).AddYears(4);
            if (!missed && _nextInspection[i] < _today && roll >= 0.010 && _rng.NextDouble() < 0.6)
            {
                // Most cylinders whose due date has just passed were in fact inspected in time.
                _lastInspection[i] = _nextInspection[i].AddDays(-_rng.Next(0, 30));
                _nextInspection[i] = _lastInspection[i]!.Value.AddYears(4);
            }
            _scrapped[i] = _rng.NextDouble() < 0.005;
            _detained[i] = !_scrapped[i] && _rng.NextDouble() < 0.0005;
        }
        Showcase();
    }

    /// <summary>FZ0000000001-7: in service, due soon, overdue, past scrap date, scrapped, detained, filled by another enterprise (体外循环).</summary>
    private void Showcase()
    {
        if (p.Cylinders < 7) return;
        for (var i = 0; i < 7; i++)
        {
            _made[i] = _today.AddYears(-5).AddDays(-10);
            _scrap[i] = _made[i].AddYears(12);
            _lastInspection[i] = _made[i].AddYears(4);
            _nextInspection[i] = _lastInspection[i]!.Value.AddYears(4);
            _scrapped[i] = false;
            _detained[i] = false;
        }
        _nextInspection[1] = _today.AddDays(12); _lastInspection[1] = _nextInspection[1].AddYears(-4);
        _nextInspection[2] = _today.AddDays(-40); _lastInspection[2] = _nextInspection[2].AddYears(-4);
        _made[3] = _today.AddYears(-12).AddDays(-20); _scrap[3] = _made[3].AddYears(12);
        _scrapped[4] = true;
        _detained[5] = true;
    }

    private async Task<(long Fills, long Deliveries)> EventsAsync(CancellationToken ct)
    {
        var totalFills = (long)p.Days * p.FillsPerDay;
        using var fillProgress = new Progress("fills", totalFills);
        using var deliveryProgress = new Progress("deliveries", totalFills);
        long fillId = 0, deliveryId = 0;
        await using (var fills = new BulkTable(db, "fills",
            ["id", "filled_at", "cylinder_id", "station_id", "owner_id", "net_weight_kg", "external_event_id"], [], fillProgress.Add, ct))
        await using (var deliveries = new BulkTable(db, "deliveries",
            ["id", "delivered_at", "cylinder_id", "supply_station_id", "worker_id", "customer_id", "external_event_id"], [], deliveryProgress.Add, ct))
        {
            var startLocal = _today.AddDays(-p.Days).ToDateTime(TimeOnly.MinValue);
            for (var day = 0; day < p.Days; day++)
            {
                var dayStartUtc = startLocal.AddDays(day).AddHours(-8);
                for (var k = 0; k < p.FillsPerDay; k++)
                {
                    var i = NextFillable();
                    var filledAt = dayStartUtc.AddHours(6).AddSeconds(_rng.Next(0, 14 * 3600));
                    var owner = _owner[i];
                    var station = _rng.NextDouble() < 0.015 ? _rng.Next(1, p.FillingEnterprises + 1) : owner;
                    fillId++;
                    fills.Row(Num(fillId), Time(filledAt), Num(i + 1), Num(station), Num(owner), Weight(i), $"F{fillId:D10}");
                    await fills.EndRowAsync();
                    if (filledAt > _lastFillAt[i]) { _lastFillAt[i] = filledAt; _lastFillStation[i] = station; }
                    Judge(fillId, filledAt, i, station);

                    var deliveredAt = filledAt.AddMinutes(_rng.Next(60, 30 * 60));
                    if (deliveredAt >= _nowUtc || _rng.NextDouble() < 0.04) continue;
                    var supply = _station[i];
                    var workers = _stationWorkers[supply];
                    var customers = _stationCustomers[supply];
                    if (customers.Length == 0) continue;
                    var worker = workers[_rng.Next(workers.Length)];
                    var customer = customers[_rng.Next(customers.Length)];
                    deliveryId++;
                    deliveries.Row(Num(deliveryId), Time(deliveredAt), Num(i + 1), Num(supply), Num(worker), Num(customer), $"D{deliveryId:D10}");
                    await deliveries.EndRowAsync();
                    if (_commercial[customer]) _restaurantDeliveries.Add((deliveryId, deliveredAt, customer, i, supply, worker));
                    if (deliveredAt > _lastDeliveryAt[i])
                    {
                        _lastDeliveryAt[i] = deliveredAt; _lastDeliveryStation[i] = supply;
                        _lastDeliveryWorker[i] = worker; _lastDeliveryCustomer[i] = customer;
                    }
                }
            }
            if (p.Cylinders >= 7 && p.FillingEnterprises >= 2)
            {
                // Showcase FZ0000000007: its newest fill is by an enterprise that does not own it.
                var foreign = _owner[6] == 1 ? 2 : 1;
                var at = _nowUtc.AddHours(-3);
                fillId++;
                fills.Row(Num(fillId), Time(at), Num(7), Num(foreign), Num(_owner[6]), Weight(6), $"F{fillId:D10}");
                await fills.EndRowAsync();
                _lastFillAt[6] = at; _lastFillStation[6] = foreign;
                Judge(fillId, at, 6, foreign);
            }
        }
        return (fillId, deliveryId);
    }

    /// <summary>
    /// Restaurants' receiving scans of their deliveries: each restaurant has a diligence (most scan
    /// 85-100% of what they receive, one in seven only 30-70%), an owner in the Mini Program (openid
    /// oSeedOwner…, kept on --replace), and scans a safe cylinder 2-90 minutes after its delivery, as a
    /// matched scan that answers it. Unsafe cylinders are left unscanned here.
    /// </summary>
    private async Task<long> ReceivingScansAsync(CancellationToken ct)
    {
        var restaurants = _restaurantDeliveries.Select(d => d.Customer).Distinct().Order().ToList();
        if (restaurants.Count == 0) return 0;
        var users = new Dictionary<long, long>();
        await using (var conn = await db.OpenAsync(ct))
        {
            foreach (var chunk in restaurants.Chunk(1000))
            {
                var openIds = chunk.Select(c => "oSeedOwner" + c.ToString(CultureInfo.InvariantCulture)).ToList();
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT IGNORE INTO mp_users (openid) VALUES " + string.Join(',', openIds.Select((_, i) => $"(@o{i})")),
                    new DynamicParameters(openIds.Select((o, i) => new KeyValuePair<string, object>("o" + i, o))), cancellationToken: ct));
                foreach (var (id, openId) in await conn.QueryAsync<(long, string)>(new CommandDefinition(
                             "SELECT id, openid FROM mp_users WHERE openid IN @openIds", new { openIds }, cancellationToken: ct)))
                    users[long.Parse(openId["oSeedOwner".Length..], CultureInfo.InvariantCulture)] = id;
            }
        }
        await using (var members = new BulkTable(db, "commercial_members", ["customer_id", "user_id", "role", "joined_at"], [], _ => { }, ct))
        {
            foreach (var c in restaurants)
            {
                members.Row(Num(c), Num(users[c]), "owner", Time(_nowUtc.AddDays(-p.Days - 30)));
                await members.EndRowAsync();
            }
        }
        var diligence = restaurants.ToDictionary(c => c, _ => _scanRng.NextDouble() < 0.15 ? 0.3 + 0.4 * _scanRng.NextDouble() : 0.85 + 0.15 * _scanRng.NextDouble());
        using var progress = new Progress("receiving_scans", _restaurantDeliveries.Count);
        long scanId = 0;
        await using (var scans = new BulkTable(db, "receiving_scans",
            ["id", "scanned_at", "customer_id", "user_id", "cylinder_code", "cylinder_id", "outcome", "status_code", "delivery_id", "delivered_at",
             "delivery_station_id", "worker_id"], [], progress.Add, ct))
        await using (var answered = new BulkTable(db, "receiving_scan_deliveries", ["delivery_id", "delivered_at", "customer_id", "scan_id", "scanned_at"], [], _ => { }, ct))
        {
            foreach (var d in _restaurantDeliveries)
            {
                var safe = !_scrapped[d.Cylinder] && !_detained[d.Cylinder] && _nextInspection[d.Cylinder] >= _today && _scrap[d.Cylinder] >= _today;
                var scannedAt = d.At.AddMinutes(_scanRng.Next(2, 90));
                if (!safe || scannedAt >= _nowUtc || _scanRng.NextDouble() >= diligence[d.Customer]) continue;
                scanId++;
                scans.Row(Num(scanId), Time(scannedAt), Num(d.Customer), Num(users[d.Customer]), Code(d.Cylinder + 1), Num(d.Cylinder + 1), "matched", "in_service",
                    Num(d.DeliveryId), Time(d.At), Num(d.Station), Num(d.Worker));
                await scans.EndRowAsync();
                answered.Row(Num(d.DeliveryId), Time(d.At), Num(d.Customer), Num(scanId), Time(scannedAt));
                await answered.EndRowAsync();
            }
        }
        _restaurantUsers = users;
        _lastScanId = scanId;
        return scanId;
    }

    /// <summary>
    /// Black gas (issue 18): codes no cylinder has (FZ9…, outside the registered range), scanned over the period from the Official
    /// Account, the Mini Program, the card page and inspectors, mostly in one district each; and, for one restaurant in a thousand (at
    /// least one), a delivery with two or three of them: the receiving scans and ONE alert listing them, the first with the deliverer
    /// the restaurant reported. The alerts carry no complaint number: the running host's delivery-alerts-reconcile files each as a
    /// complaint of the restaurant's owner, as it would after a crash.
    /// </summary>
    private async Task<long> BlackGasAsync(CancellationToken ct)
    {
        var r = _blackGasRng;
        var codes = Enumerable.Range(1, Math.Max(12, p.Cylinders / 5000)).Select(i => "FZ9" + (100_000_000 + i * 7_919L).ToString(CultureInfo.InvariantCulture)).ToList();
        string Pick()
        {
            var x = r.Next(Districts.Sum(d => d.Weight));
            foreach (var d in Districts)
            {
                if (x < d.Weight) return d.Code;
                x -= d.Weight;
            }
            return Districts[0].Code;
        }
        string[] channels = ["official_account", "official_account", "official_account", "mini_program", "mini_program", "card_page", "inspector"];
        long rows = 0;
        await using (var table = new BulkTable(db, "unregistered_scans", ["cylinder_code", "channel", "scanned_at", "district_code", "scanner_hash"], [], _ => { }, ct))
        {
            foreach (var code in codes)
            {
                var home = Pick();
                for (var n = r.Next(1, 9); n > 0; n--)
                {
                    var at = _nowUtc.AddMinutes(-r.Next(10, p.Days * 24 * 60));
                    var scanner = new byte[32];
                    r.NextBytes(scanner);
                    table.Row(code, channels[r.Next(channels.Length)], Time(at), r.NextDouble() < 0.8 ? home : Pick(), Hex(scanner));
                    await table.EndRowAsync();
                    rows++;
                }
            }
        }
        var chosen = _restaurantUsers.Keys.Order().Where((_, i) => i % 1000 == 0).ToList();
        if (chosen.Count == 0) return rows;
        Dictionary<long, string> districtOf;
        await using (var conn = await db.OpenAsync(ct))
            districtOf = (await conn.QueryAsync<(long Id, string District)>(new CommandDefinition(
                "SELECT id, district_code FROM customers WHERE id IN @chosen", new { chosen }, cancellationToken: ct))).ToDictionary(x => x.Id, x => x.District);
        var scanId = _lastScanId;
        long alertId = 0;
        await using (var scans = new BulkTable(db, "receiving_scans",
            ["id", "scanned_at", "customer_id", "user_id", "cylinder_code", "outcome", "status_code"], [], _ => { }, ct))
        await using (var unregistered = new BulkTable(db, "unregistered_scans",
            ["cylinder_code", "channel", "scanned_at", "district_code", "scanner_hash", "customer_id", "source_key"], [], _ => { }, ct))
        await using (var alerts = new BulkTable(db, "delivery_alerts",
            ["id", "customer_id", "user_id", "district_code", "created_at", "scanned_at", "category", "worker_name", "vehicle_plate", "supplier_name",
             "deliverer_reported_at", "deliverer_reported_by"], [], _ => { }, ct))
        await using (var alertCodes = new BulkTable(db, "delivery_alert_codes", ["alert_id", "cylinder_code", "scan_id", "outcome", "status_code"], [], _ => { }, ct))
        {
            foreach (var c in chosen)
            {
                alertId++;
                var at = _nowUtc.AddHours(-r.Next(2, 72));
                var user = _restaurantUsers[c];
                var district = districtOf.GetValueOrDefault(c, "350102");
                var reported = alertId == 1;
                var owner = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("seed-owner:" + user.ToString(CultureInfo.InvariantCulture)));
                var none = @"\N";
                alerts.Row(Num(alertId), Num(c), Num(user), district, Time(at), Time(at), "black_gas", reported ? "王某" : none,
                    reported ? "闽A7K3" + r.Next(10, 99).ToString(CultureInfo.InvariantCulture) : none, reported ? "（送货单未印单位名称）" : none,
                    reported ? Time(at.AddMinutes(20)) : none, reported ? Num(user) : none);
                await alerts.EndRowAsync();
                foreach (var code in Enumerable.Range(0, r.Next(2, 4)).Select(_ => codes[r.Next(codes.Count)]).Distinct())
                {
                    scanId++;
                    scans.Row(Num(scanId), Time(at), Num(c), Num(user), code, "unsafe", "unregistered");
                    await scans.EndRowAsync();
                    unregistered.Row(code, "receiving_scan", Time(at), district, Hex(owner), Num(c), "rs:" + scanId.ToString(CultureInfo.InvariantCulture));
                    await unregistered.EndRowAsync();
                    alertCodes.Row(Num(alertId), code, Num(scanId), "unsafe", "unregistered");
                    await alertCodes.EndRowAsync();
                    rows++;
                }
            }
        }
        return rows;
    }

    private async Task<long> InspectionsAsync(CancellationToken ct)
    {
        var from = _today.AddDays(-p.Days);
        using var progress = new Progress("inspections", null);
        long id = 0;
        await using var table = new BulkTable(db, "inspections",
            ["id", "inspected_on", "cylinder_id", "inspection_body", "result", "next_inspection_date", "report_number", "external_event_id"], [], progress.Add, ct);
        for (var i = 0; i < p.Cylinders; i++)
        {
            if (_lastInspection[i] is not { } on || on < from || on > _today) continue;
            id++;
            table.Row(Num(id), Date(on), Num(i + 1), "福州市特种设备检验研究院", "pass", Date(_nextInspection[i]), $"FJTJ{on:yyyyMM}{id:D6}", $"I{id:D10}");
            await table.EndRowAsync();
        }
        return id;
    }

    private async Task<long> CylindersAsync(CancellationToken ct)
    {
        using var progress = new Progress("cylinders", p.Cylinders);
        await using var table = new BulkTable(db, "cylinders",
            ["id", "code", "serial", "spec", "manufacturer", "manufacture_date", "owner_id", "supply_station_id", "last_inspection_date",
             "next_inspection_date", "scrap_date", "status", "detained", "last_fill_at", "last_fill_station_id", "last_delivery_at",
             "last_delivery_station_id", "last_delivery_worker_id", "last_delivery_customer_id"], [], progress.Add, ct);
        for (var i = 0; i < p.Cylinders; i++)
        {
            if (!_scrapped[i] && _lastFillAt[i] == default) SyntheticHistory(i);
            var spec = Spec(i);
            table.Row(Num(i + 1), Code(i + 1), $"{ManufacturerCodes[i % ManufacturerCodes.Length]}{_made[i]:yyMM}{i + 1:D8}", spec,
                Manufacturers[i % Manufacturers.Length], Date(_made[i]), Num(_owner[i]), Num(_station[i]), Date(_lastInspection[i]),
                Date(_nextInspection[i]), Date(_scrap[i]), _scrapped[i] ? "scrapped" : "in_service", _detained[i] ? "1" : "0",
                _lastFillAt[i] == default ? @"\N" : Time(_lastFillAt[i]), _lastFillAt[i] == default ? @"\N" : Num(_lastFillStation[i]),
                _lastDeliveryAt[i] == default ? @"\N" : Time(_lastDeliveryAt[i]), _lastDeliveryAt[i] == default ? @"\N" : Num(_lastDeliveryStation[i]),
                _lastDeliveryAt[i] == default ? @"\N" : Num(_lastDeliveryWorker[i]), _lastDeliveryAt[i] == default ? @"\N" : Num(_lastDeliveryCustomer[i]));
            await table.EndRowAsync();
        }
        return p.Cylinders;
    }

    /// <summary>
    /// The interlock's rules (FillRules) applied to a generated fill: the generator's lines fill what comes (a share of
    /// overdue and past-scrap cylinders, and 1.5% of fills by another enterprise's station), as lines did before the
    /// interlock was enforced, so the month holds the violations the agencies would now see.
    /// </summary>
    private void Judge(long fillId, DateTime filledAtUtc, int i, int station)
    {
        var day = DateOnly.FromDateTime(filledAtUtc.AddHours(8));
        var kinds = new List<string>(2);
        if (day >= _scrap[i]) kinds.Add("past_scrap_date");
        if (day > _nextInspection[i]) kinds.Add("inspection_overdue");
        if (station != _owner[i]) kinds.Add("owned_by_another_enterprise");
        if (kinds.Count > 0) _violations.Add((fillId, filledAtUtc, i, station, string.Join(",", kinds)));
    }

    /// <summary>
    /// Licences: every enterprise's 燃气经营许可证 (its licence number, 3 years) and every filling enterprise's 气瓶充装许可证
    /// (4 years, TSG 07-2019); one enterprise in seven has one ending within the next 90 days, for the digest and the console.
    /// </summary>
    private async Task<long> LicencesAsync(CancellationToken ct)
    {
        var rng = new Random(seed + 3);
        var total = p.FillingEnterprises + p.SupplyStations;
        using var progress = new Progress("enterprise_licences", total + p.FillingEnterprises);
        await using var table = new BulkTable(db, "enterprise_licences",
            ["enterprise_id", "kind", "licence_number", "issuer", "valid_from", "valid_until", "status", "updated_at"], [], progress.Add, ct);
        var now = Time(_nowUtc);
        for (var id = 1; id <= total; id++)
        {
            var until = id % 7 == 3 ? _today.AddDays(rng.Next(10, 90)) : _today.AddDays(rng.Next(120, 3 * 365));
            // A few stations let their 燃气经营许可证 lapse (a licence problem the score counts).
            if (id > p.FillingEnterprises && id % 29 == 7) until = _today.AddDays(-rng.Next(5, 40));
            table.Row(Num(id), "gas_supply", id <= p.FillingEnterprises ? $"闽燃经（充）{2020 + id % 5}{id:D4}号" : $"闽燃经（供）{2021 + id % 4}{id:D4}号",
                "福州市城乡建设局", Date(until.AddYears(-3)), Date(until), "valid", now);
            await table.EndRowAsync();
            if (id > p.FillingEnterprises) continue;
            var fillUntil = id % 7 == 5 ? _today.AddDays(rng.Next(10, 90)) : _today.AddDays(rng.Next(120, 4 * 365));
            table.Row(Num(id), "cylinder_filling", $"TS4235{id:D3}-{fillUntil.Year}", "福建省市场监督管理局", Date(fillUntil.AddYears(-4)), Date(fillUntil), "valid", now);
            await table.EndRowAsync();
        }
        return total + p.FillingEnterprises;
    }

    /// <summary>
    /// The month's violations as the market supervision bureaus would hold them: numbered by the day they were recorded
    /// (the fill's day) and their id, routed to the bureau of the filling station's district; those older than ten days mostly
    /// resolved (warned, fined, a few licence actions, some not substantiated), the rest open.
    /// </summary>
    private async Task<long> ViolationsAsync(CancellationToken ct)
    {
        if (_violations.Count == 0) return 0;
        Dictionary<string, int> bureaus;
        await using (var conn = await db.OpenAsync(ct))
            bureaus = (await conn.QueryAsync<(int Id, string District)>(new CommandDefinition(
                "SELECT id, district_code FROM agencies WHERE kind = 'market_supervision'", cancellationToken: ct))).ToDictionary(a => a.District, a => a.Id);
        var rng = new Random(seed + 4);
        using var progress = new Progress("fill_violations", _violations.Count);
        await using (var table = new BulkTable(db, "fill_violations",
            ["id", "number", "enterprise_id", "station_id", "external_event_id", "cylinder_id", "cylinder_code", "owner_id", "filled_at", "kinds", "district_code",
             "agency_id", "status", "outcome", "created_at", "updated_at", "resolved_at"], [], progress.Add, ct))
        {
            long id = 0;
            foreach (var (fillId, at, i, station, kinds) in _violations.OrderBy(v => v.At))
            {
                id++;
                var day = DateOnly.FromDateTime(at.AddHours(8)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                var district = _enterpriseDistrict[station];
                var agency = bureaus.TryGetValue(district, out var a) ? a : bureaus["350100"];
                var recorded = at.AddMinutes(rng.Next(1, 20));
                var resolved = recorded < _nowUtc.AddDays(-10) && rng.NextDouble() < 0.7;
                var outcome = !resolved ? null : rng.NextDouble() switch { < 0.6 => "warned", < 0.85 => "fined", < 0.88 => "licence_action", _ => "not_substantiated" };
                var resolvedAt = resolved ? recorded.AddDays(rng.Next(2, 9)) : (DateTime?)null;
                table.Row(Num(id), $"WG{day}{id:D8}", Num(station), Num(station), $"F{fillId:D10}", Num(i + 1), Code(i + 1), Num(_owner[i]), Time(at), kinds, district,
                    Num(agency), resolved ? "resolved" : "open", outcome ?? @"\N", Time(recorded), Time(resolvedAt ?? recorded), Time(resolvedAt));
                await table.EndRowAsync();
            }
        }
        return _violations.Count;
    }

    public static string Code(long id) => "FZ" + id.ToString("D10", CultureInfo.InvariantCulture);

    private void SyntheticHistory(int i)
    {
        var supply = _station[i];
        _lastFillAt[i] = _nowUtc.AddDays(-p.Days - _rng.Next(1, 90)).AddSeconds(-_rng.Next(0, 86_400));
        _lastFillStation[i] = _owner[i];
        var customers = _stationCustomers[supply];
        if (customers.Length == 0) return;
        _lastDeliveryAt[i] = _lastFillAt[i].AddHours(_rng.Next(2, 30));
        _lastDeliveryStation[i] = supply;
        _lastDeliveryWorker[i] = _stationWorkers[supply][_rng.Next(_stationWorkers[supply].Length)];
        _lastDeliveryCustomer[i] = customers[_rng.Next(customers.Length)];
    }

    private int NextFillable()
    {
        while (true)
        {
            var i = _rng.Next(p.Cylinders);
            if (!_scrapped[i] && !_detained[i]) return i;
        }
    }

    private static string Spec(int i) => (i * 7919 % 100) switch { < 10 => "YSP12", < 85 => "YSP35.5", _ => "YSP118" };
    private static string Weight(int i) => Spec(i) switch { "YSP12" => "5.00", "YSP35.5" => "14.50", _ => "49.50" };

    private (string Code, string Name) District()
    {
        var total = Districts.Sum(d => d.Weight);
        var x = _rng.Next(total);
        foreach (var d in Districts)
        {
            if (x < d.Weight) return (d.Code, d.Name);
            x -= d.Weight;
        }
        return (Districts[0].Code, Districts[0].Name);
    }

    private static string DistrictName(string code) => Districts.First(d => d.Code == code).Name;

    private string PersonName() =>
        Surnames[_rng.Next(Surnames.Length)] + GivenChars[_rng.Next(GivenChars.Length)] + (_rng.NextDouble() < 0.7 ? GivenChars[_rng.Next(GivenChars.Length)] : "");

    /// <summary>Whether each customer's identity checks out, as ingestion would have recorded it (customer_identities).</summary>
    private async Task<long> IdentitiesAsync(CancellationToken ct)
    {
        using var progress = new Progress("customer_identities", p.Customers);
        await using var table = new BulkTable(db, "customer_identities", ["customer_id", "credit_code", "id_number_valid", "credit_code_valid", "checked_at"], [], progress.Add, ct);
        var now = Time(_nowUtc);
        static string Flag(bool? b) => b is null ? @"\N" : b.Value ? "1" : "0";
        for (long id = 1; id <= p.Customers; id++)
        {
            var (code, idValid, codeValid) = _identities[id];
            table.Row(Num(id), code ?? @"\N", Flag(idValid), Flag(codeValid), now);
            await table.EndRowAsync();
        }
        return p.Customers;
    }

    /// <summary>
    /// A synthetic 统一社会信用代码 (GB 32100-2015): 9 (registered by market supervision), 1 (a company), the district, 9 characters of
    /// the code's set, and the check character; corrupt: one character changed, so the check fails.
    /// </summary>
    private static string CreditCode(string district, Random rng, bool corrupt)
    {
        var body = "91" + district + new string(Enumerable.Range(0, 9).Select(_ => UnifiedSocialCreditCode.Characters[rng.Next(UnifiedSocialCreditCode.Characters.Length)]).ToArray());
        var check = UnifiedSocialCreditCode.CheckCharacter(body)!.Value;
        if (corrupt) check = UnifiedSocialCreditCode.Characters[(UnifiedSocialCreditCode.Characters.IndexOf(check) + 1 + rng.Next(30)) % 31];
        return body + check;
    }

    /// <summary>A synthetic 18-digit resident ID number with a valid GB 11643 check digit.</summary>
    private string IdNumber(string district)
    {
        var birth = new DateOnly(1950, 1, 1).AddDays(_rng.Next(0, 365 * 55));
        var body = $"{district}{birth:yyyyMMdd}{_rng.Next(0, 1000):D3}";
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = 0;
        for (var k = 0; k < 17; k++) sum += (body[k] - '0') * weights[k];
        return body + "10X98765432"[sum % 11];
    }

    /// <summary>Line-based progress with rate and ETA, readable in a terminal and in CI logs alike.</summary>
    private sealed class Progress : IDisposable
    {
        private readonly string _name;
        private readonly long? _total;
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private long _done;
        private long _lastReportTicks;

        public Progress(string name, long? total) { _name = name; _total = total; }

        public void Add(int rows)
        {
            var done = Interlocked.Add(ref _done, rows);
            if (_watch.ElapsedTicks - _lastReportTicks < Stopwatch.Frequency * 2) return;
            _lastReportTicks = _watch.ElapsedTicks;
            var rate = done / Math.Max(0.001, _watch.Elapsed.TotalSeconds);
            var eta = _total is long t && rate > 0 ? $", ETA {Math.Max(0, (t - done) / rate):F0} s" : "";
            System.Console.WriteLine($"[seed] {_name}: {done:N0}{(_total is long tt ? $"/{tt:N0}" : "")} ({rate:N0} rows/s{eta})");
        }

        public void Dispose() =>
            System.Console.WriteLine($"[seed] {_name}: {_done:N0} rows in {_watch.Elapsed.TotalSeconds:F1} s ({_done / Math.Max(0.001, _watch.Elapsed.TotalSeconds):N0} rows/s)");
    }
}
