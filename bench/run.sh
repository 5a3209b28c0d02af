#!/usr/bin/env bash
# statexport vs DuckDB benchmark. Builds statexport and the profile harness (root module), gen
# and duckdbpeer (bench module), generates the synthetic registers if missing, then for each
# size and dialect alternates DuckDB's exact job and a statexport release under /usr/bin/time
# and prints a Markdown table of medians (raw timings and the table land in bench/data/runs).
#
#   bench/run.sh                       # 100k, 1M and 10M rows, utf8 and fi, 3 repetitions
#   SIZES="100000 1000000" REPS=5 bench/run.sh
#   BENCH_SMOKE=1 bench/run.sh         # CI: 100k rows, one run of each (asserts no timing)
#
# Environment: SIZES (rows, space-separated), REPS (>= 1), DIALECTS ("utf8 fi"), SEED (1),
# DUCKDB_THREADS (0: DuckDB's default, one per core). Exits non-zero when a build, the
# generator or any run fails — never because of a timing.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
DATA=$BENCH/data
BIN=$BENCH/bin

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
  SIZES=${SIZES:-100000}
  REPS=${REPS:-1}
else
  SIZES=${SIZES:-"100000 1000000 10000000"}
  REPS=${REPS:-3}
fi
DIALECTS=${DIALECTS:-"utf8 fi"}
SEED=${SEED:-1}
DUCKDB_THREADS=${DUCKDB_THREADS:-0}

log() { echo "bench: $*" >&2; }

# /usr/bin/time (GNU time), not the shell keyword.
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing GNU time"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    log "/usr/bin/time is missing: install the Debian package 'time'"; exit 1
  fi
fi

# The table: medians per (size, dialect, tool); ratios to DuckDB's medians of the same row.
md_table() {
  awk -F'\t' '
    function median(key,   n, i, j, t, a) {
      n = split(vals[key], a, " ")
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
      k = $1 SUBSEP $2 SUBSEP $3
      if (!(k in seen)) { seen[k] = 1; order[++m] = k }
      vals[k "w"] = vals[k "w"] " " $5
      vals[k "c"] = vals[k "c"] " " ($6 + $7)
      vals[k "r"] = vals[k "r"] " " ($8 / 1024)
      reps[k]++
    }
    END {
      print "| rows | tool | dialect | runs | wall s | CPU s | peak RSS MiB | rows/s | wall ÷ DuckDB | RSS ÷ DuckDB | CPU ÷ DuckDB |"
      print "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      for (i = 1; i <= m; i++) {
        k = order[i]; split(k, f, SUBSEP)
        w = median(k "w"); c = median(k "c"); r = median(k "r")
        dk = f[1] SUBSEP f[2] SUBSEP "duckdb"
        dw = (dk in seen) ? median(dk "w") : 0; dr = (dk in seen) ? median(dk "r") : 0; dc = (dk in seen) ? median(dk "c") : 0
        rw = (dw > 0) ? sprintf("%.2f", w / dw) : "–"; rr = (dr > 0) ? sprintf("%.2f", r / dr) : "–"; rc = (dc > 0) ? sprintf("%.2f", c / dc) : "–"
        rate = (w > 0) ? sprintf("%.0f", f[1] / w) : "–"
        printf "| %d | %s | %s | %d | %.2f | %.2f | %.0f | %s | %s | %s | %s |\n", f[1], f[3], f[2], reps[k], w, c, r, rate, rw, rr, rc
      }
    }' "$1"
}

# print_table RESULTS.tsv: the Markdown table and the targets.
print_table() {
  local results=$1
  {
  echo "statexport vs DuckDB — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -m), medians over the runs column;" \
    "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg); statexport at $root_rev"
  echo
  sort -t$'\t' -k1,1n -k2,2r -k3,3 "$results" | md_table /dev/stdin
  }

# Targets of the issue, for information only (never the exit status).
awk -F'\t' '
  { k = $1 SUBSEP $2 SUBSEP $3; w[k] = w[k] " " $5; r[k] = r[k] " " $8; sizes[$1] = 1; dia[$2] = 1 }
  function med(s,   n, a, i, j, t) { n = split(s, a, " "); for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t } return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function verdict(x, lim) { return (x <= lim) ? "met" : "missed" }
  END {
    print "\nTargets (informational):"
    ns = 0; for (n in sizes) { ns++; sz[ns] = n + 0 }
    for (i = 2; i <= ns; i++) { t = sz[i]; for (j = i - 1; j >= 1 && sz[j] > t; j--) sz[j + 1] = sz[j]; sz[j + 1] = t }
    for (i = 1; i <= ns; i++) for (d in dia) {
      n = sz[i]
      s = n SUBSEP d SUBSEP "statexport"; q = n SUBSEP d SUBSEP "duckdb"
      if (!(s in w) || !(q in w)) continue
      x = med(w[s]) / med(w[q]); y = med(r[s]) / med(r[q])
      printf "  %s rows %s: wall %.2f× DuckDB (≤ 0.5: %s), RSS %.2f× DuckDB (≤ 0.25: %s)\n", n, d, x, verdict(x, 0.5), y, verdict(y, 0.25)
      if ((n * 10) SUBSEP d SUBSEP "statexport" in w) {
        z = med(w[(n * 10) SUBSEP d SUBSEP "statexport"]) / med(w[s])
        printf "  scaling %s→%s rows %s: time ×%.2f (≤ 10: %s)\n", n, n * 10, d, z, verdict(z, 10)
      }
      if (d == "fi" && (n SUBSEP "utf8" SUBSEP "statexport") in w) {
        z = med(w[s]) / med(w[n SUBSEP "utf8" SUBSEP "statexport"])
        printf "  fi ÷ utf8 at %s rows: %.2f (≤ 1.2: %s)\n", n, z, verdict(z, 1.2)
      }
    }
  }' "$results"
}

# TABLE_FROM=RESULTS.tsv: only print the table of an earlier run's raw timings.
if [ -n "${TABLE_FROM:-}" ]; then
  load_before="(not recorded)"; root_rev="(not recorded)"
  print_table "$TABLE_FROM"
  exit 0
fi

log "building"
mkdir -p "$BIN" "$DATA/out" "$DATA/runs"
# statexport and the profile harness in the root module (its dependency versions and build
# cache); gen and duckdbpeer in the bench module.
(cd "$ROOT" && go build -o "$BIN/statexport" ./cmd/statexport && go build -o "$BIN/profile" ./bench/profile/main.go)
(cd "$BENCH" && go build -o "$BIN/gen" ./gen && go build -o "$BIN/duckdbpeer" ./duckdbpeer)

for n in $SIZES; do
  missing=()
  for d in $DIALECTS; do [ -f "$DATA/reg-$n-$d.csv" ] || missing+=("$d"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "generating $n rows (${missing[*]})"
    "$BIN/gen" -rows "$n" -seed "$SEED" -dir "$DATA" -dialects "$(IFS=,; echo "${missing[*]}")"
  fi
done

stamp=$(date +%Y%m%d-%H%M%S)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# the last commit that touched the product (anything outside bench/)
root_rev=$(git -C "$ROOT" log -1 --format=%h -- . ':!bench' 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then
  root_rev="$root_rev+uncommitted changes"
fi
results=$DATA/runs/results-$stamp.tsv
: >"$results"
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT

# measure TOOL SIZE DIALECT REP CMD...: runs CMD under /usr/bin/time, appends a line to the
# results: size dialect tool rep wall user sys maxrss_kib.
measure() {
  local tool=$1 n=$2 d=$3 rep=$4; shift 4
  local errlog=$DATA/runs/$tool-$n-$d-$rep.log
  if ! /usr/bin/time -f '%e %U %S %M' -o "$timing" "$@" >"$errlog.out" 2>"$errlog"; then
    log "FAILED: $tool $n rows $d (rep $rep): $*"
    cat "$errlog" >&2
    tail -n 5 "$timing" >&2 || true
    exit 1
  fi
  read -r wall user sys rss < <(tail -n 1 "$timing")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$d" "$tool" "$rep" "$wall" "$user" "$sys" "$rss" >>"$results"
  log "$(awk -v t="$tool" -v n="$n" -v d="$d" -v r="$rep" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
    'BEGIN { printf "%-10s %9s %-4s rep %d: wall %6.2fs cpu %6.2fs rss %6d MiB", t, n, d, r, w, u + s, m / 1024 }')"
}

run_duckdb() {
  local n=$1 d=$2 rep=$3
  measure duckdb "$n" "$d" "$rep" "$BIN/duckdbpeer" -in "$DATA/reg-$n-$d.csv" \
    -out "$DATA/out/exact-$n-$d.parquet" -dialect "$d" -threads "$DUCKDB_THREADS"
}

last_release=()
run_statexport() {
  local n=$1 d=$2 rep=$3
  local release="r$n-$d-$stamp-$rep"
  STATEXPORT_SOURCE_PATH="$DATA/reg-$n-$d.csv" \
    measure statexport "$n" "$d" "$rep" "$BIN/statexport" --quiet run \
    --config "$BENCH/jobs/bench-$d.yaml" --release "$release"
  last_release=("bench-$d" "$release")
}

for n in $SIZES; do
  for d in $DIALECTS; do
    cat "$DATA/reg-$n-$d.csv" >/dev/null # warm the page cache for both tools alike
    for rep in $(seq 1 "$REPS"); do
      # alternate which tool goes first
      if [ $((rep % 2)) = 1 ]; then
        run_duckdb "$n" "$d" "$rep"; run_statexport "$n" "$d" "$rep"
      else
        run_statexport "$n" "$d" "$rep"; run_duckdb "$n" "$d" "$rep"
      fi
    done
    # Accuracy check of the last private release against the exact table (not timed): every
    # released cell must exist in the exact table.
    acc=$("$BIN/duckdbpeer" -compare "$DATA/out/exact-$n-$d.parquet" \
      -private "$DATA/out/${last_release[0]}/${last_release[1]}/by_postal_unit.parquet")
    log "accuracy $n $d: $acc"
    printf '%s\t%s\t%s\n' "$n" "$d" "$acc" >>"$DATA/runs/accuracy-$stamp.tsv"
  done
done

table=$DATA/runs/table-$stamp.md
print_table "$results" | tee "$table"
log "raw timings: $results; table: $table"
