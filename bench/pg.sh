#!/usr/bin/env bash
# W1–W3 against a PostgreSQL service, with pgbench running the same SQL (the
# statements apiforge sends, captured with log_statement=all) as the reference:
# `pgbench -c 32 -j 2 -T 10` as the issue gives it (simple protocol), and with
# `-M prepared` (what apiforge itself uses) beside it.
#
#   bash bench/pg.sh             # 3 runs of each, medians; RUNS=2 DURATION=10s
#
# Starts a throwaway PostgreSQL (initdb in a temp folder, loopback port) loaded
# with tests/fixtures/chinook/Chinook_PostgreSql.sql, and stops it after. Needs the
# postgresql package (initdb, postgres, psql, pgbench) and wrk. Builds the current
# tree (cargo build --release) unless BIN=path/to/apiforge is given. Shares its
# PostgreSQL, server and workload code with bench/ab.sh through bench/lib.sh;
# `BACKEND=postgres bash bench/ab.sh OLD NEW` compares two builds on the same setup.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
SECONDS_=${DURATION%s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18090}
PG_PORT=${PG_PORT:-18091}
# The service's pool; pgbench holds one connection per client (-c).
POOL=${POOL:-16}
NAMES=postgres

need_wrk
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p apiforge
  BIN=target/release/apiforge
fi
WORK=$(mktemp -d)
trap bench_cleanup EXIT

pg_start
serve server "$BIN" "$PORT"
SRV=${PIDS[0]}
TOKEN=$(cat "$WORK/server.token")
add_pg_service "$PORT" "$TOKEN"

declare -A URL
for w in W1 W2 W3; do URL[$w]="http://127.0.0.1:$PORT$(wl_path $w)"; done
gql_bodies
for w in W1 W2 W3 W4 W5; do
  why=$(check_wl "$PORT" "$TOKEN" "$w")
  [ -z "$why" ] || { echo "$w $why"; exit 1; }
done

# The statements apiforge runs for each workload (one pgbench transaction =
# one request; W3 is its three batched statements).
TRACK='"track"."track_id", "track"."name", "track"."album_id", "track"."media_type_id", "track"."genre_id", "track"."composer", "track"."milliseconds", "track"."bytes", "track"."unit_price"'
cat >"$WORK/W1.sql" <<SQL
SELECT $TRACK FROM "track" WHERE "track"."genre_id" = 1 ORDER BY "track"."track_id" ASC LIMIT 100;
SQL
cat >"$WORK/W2.sql" <<SQL
SELECT $TRACK FROM "track" WHERE "track"."track_id" IN (1000) ORDER BY "track"."track_id" ASC LIMIT 1;
SQL
ARTISTS=$(seq -s, 1 24),$(seq -s, 50 59),37,68
cat >"$WORK/W3.sql" <<SQL
SELECT "album"."album_id", "album"."title", "album"."artist_id" FROM "album" ORDER BY "album"."album_id" ASC LIMIT 50;
SELECT "artist"."artist_id" AS "artist_id", "artist"."name" AS "name", "artist"."artist_id" AS "__k0" FROM "artist" WHERE "artist"."artist_id" IN ($ARTISTS) ORDER BY "artist"."artist_id" ASC;
SELECT $(echo "$TRACK" | sed 's/"track"\."\([a-z_]*\)"/"track"."\1" AS "\1"/g'), "track"."album_id" AS "__k0" FROM "track" WHERE "track"."album_id" IN ($(seq -s, 1 50)) ORDER BY "track"."track_id" ASC;
SQL

load() {
  local out
  out=$(wrk_run -H "Authorization: Bearer $TOKEN" "$1")
  [ "${out#* }" = 0 ] || { echo "non-2xx responses or GraphQL errors: ${out#* }" >&2; exit 1; }
  echo "${out% *}"
}
bench() {
  "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M "$2" -c "$CONNS" -j "$THREADS" -T "$SECONDS_" \
    -f "$1" chinook 2>/dev/null | awk '/^tps/ { printf "%.0f\n", $3 }'
}

echo "wrk -t$THREADS -c$CONNS -d$DURATION vs pgbench -c $CONNS -j $THREADS -T $SECONDS_ (simple | -M prepared); apiforge pool $POOL; median of $RUNS"
printf '%-4s %12s %12s %7s %12s %7s\n' wl apiforge_rps pgbench_tps ratio prepared_tps ratio
for w in W1 W2 W3; do
  : >"$WORK/$w.a"; : >"$WORK/$w.s"; : >"$WORK/$w.p"
  # Interleaved, so that a noisy neighbour hits all three alike.
  for _ in $(seq 1 "$RUNS"); do
    load "${URL[$w]}" >>"$WORK/$w.a"
    bench "$WORK/$w.sql" simple >>"$WORK/$w.s"
    bench "$WORK/$w.sql" prepared >>"$WORK/$w.p"
  done
  a=$(median <"$WORK/$w.a"); q=$(median <"$WORK/$w.s"); p=$(median <"$WORK/$w.p")
  ratio() { awk -v a="$1" -v p="$2" 'BEGIN { printf "%.2f", a / p }'; }
  printf '%-4s %12s %12s %7s %12s %7s   (runs: %s| %s| %s)\n' "$w" "$a" "$q" "$(ratio "$a" "$q")" "$p" "$(ratio "$a" "$p")" \
    "$(tr '\n' ' ' <"$WORK/$w.a")" "$(tr '\n' ' ' <"$WORK/$w.s")" "$(tr '\n' ' ' <"$WORK/$w.p")"
done
echo "targets (apiforge / pgbench as given): W2 >= 0.5, W1 >= 0.4"

# W4 = W1 and W5 = W3 as GraphQL, each interleaved with its REST twin.
G="http://127.0.0.1:$PORT$(wl_path W4)"
latency() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$@" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 } /Non-2xx/ { bad += $NF } /^GraphQL errors:/ { bad += $NF }
    END { if (bad > 0) { print "non-2xx responses or GraphQL errors: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}
echo
printf '%-4s %10s %9s %9s   %-4s %10s %9s %9s %7s\n' wl req/s p50_ms p99_ms rest req/s p50_ms p99_ms ratio
for pair in W4:W1 W5:W3; do
  g=${pair%:*}; r=${pair#*:}
  : >"$WORK/$g.g"; : >"$WORK/$g.r"
  for _ in $(seq 1 "$RUNS"); do
    latency -s "$WORK/$g.lua" "$G" >>"$WORK/$g.g"
    latency "${URL[$r]}" >>"$WORK/$g.r"
  done
  col() { cut -d' ' -f"$2" "$1" | median; }
  printf '%-4s %10s %9s %9s   %-4s %10s %9s %9s %7s\n' "$g" "$(col "$WORK/$g.g" 1)" "$(col "$WORK/$g.g" 2)" "$(col "$WORK/$g.g" 3)" \
    "$r" "$(col "$WORK/$g.r" 1)" "$(col "$WORK/$g.r" 2)" "$(col "$WORK/$g.r" 3)" \
    "$(awk -v a="$(col "$WORK/$g.g" 1)" -v b="$(col "$WORK/$g.r" 1)" 'BEGIN { printf "%.2f", a / b }')"
done
echo "targets: W4 >= 0.8 x W1, W5 >= 0.8 x W3 (same run)"
echo "apiforge peak RSS = $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$SRV/status")"
