#!/usr/bin/env bash
# CSV import benchmark (issue 7): 1.22 M cylinders (Fuzhou's fleet) for one filling enterprise, from a
# CSV file, through `import --kind cylinders` (the integration API's own checks, batches of 5,000, one
# transaction each). Runs against the `fuzhou` benchmark database (ops/bench/common.sh); the import's
# enterprise and its cylinders are made afresh each run. Prints a Markdown block for docs/BENCHMARKS.md.
# Settings: CT_BENCH_IMPORT_ROWS (1220000).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
rows="${CT_BENCH_IMPORT_ROWS:-1220000}"
licence="BENCH-IMPORT-0001"
mariadb_root "$bench_db" -e "INSERT IGNORE INTO enterprises (kind, name, licence_number, district_code) VALUES ('filling', '导入测试燃气有限公司', '$licence', '350102')"
owner=$(mariadb_root -N "$bench_db" -e "SELECT id FROM enterprises WHERE licence_number = '$licence'")
log "removing earlier imported cylinders of $licence"
while [ "$(mariadb_root -N "$bench_db" -e "DELETE FROM cylinders WHERE owner_id = $owner LIMIT 100000; SELECT ROW_COUNT()")" -gt 0 ]; do :; done
csv="$out/import-cylinders.csv"
log "writing $rows rows to $csv"
awk -v n="$rows" 'BEGIN {
  print "code,serial,spec,manufacturer,manufactureDate,lastInspectionDate,nextInspectionDate,scrapDate";
  srand(20261129);
  for (i = 1; i <= n; i++) {
    y = 2014 + int(rand() * 12); m = 1 + int(rand() * 12); d = 1 + int(rand() * 28);
    printf "FZI%09d,SN%09d,YSP-15,福建某钢瓶制造有限公司,%d-%02d-%02d,%d-%02d-%02d,%d-%02d-%02d,%d-%02d-%02d\n", i, i, y, m, d, y + 4, m, d, y + 8, m, d, y + 15, m, d;
  }
}' >"$csv"
rm -f "$csv.progress"
start=$(date +%s.%N)
dotnet "$host_dll" import --kind cylinders --file "$csv" --as "$licence" --restart 2>"$out/import-progress.txt" | tee "$out/import.txt"
wall=$(echo "$(date +%s.%N) - $start" | bc)
stored=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM cylinders WHERE owner_id = $owner")
cat <<MD | tee "$out/import-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); \`import --kind cylinders\` of $(printf "%'d" "$rows") rows ($(du -h "$csv" | cut -f1)), same machine as MariaDB.

| figure | value |
|---|---|
| wall time, command start to exit (includes counting the rows and migrating check) | $(printf "%.1f" "$wall") s |
| command's own summary | $(cat "$out/import.txt") |
| cylinders of the importing enterprise in MariaDB afterwards | $(printf "%'d" "$stored") |
MD
