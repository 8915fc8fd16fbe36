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
# postgresql package (initdb, postgres, psql, pgbench) and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
SECONDS_=${DURATION%s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18090}
PG_PORT=${PG_PORT:-18091}
# The service's pool; pgbench holds one connection per client (-c).
POOL=${POOL:-16}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
command -v pgbench >/dev/null || [ -x "$PGBIN/pgbench" ] || { apt-get update -qq && apt-get install -y -qq postgresql; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); }
PGBENCH=$(command -v pgbench || echo "$PGBIN/pgbench")

cargo build --release -q -p apiforge
BIN=target/release/apiforge
WORK=$(mktemp -d)
chmod 755 "$WORK"
AS_PG=()
if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; fi
cleanup() {
  kill "${SRV:-}" 2>/dev/null || true
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -f tests/fixtures/chinook/Chinook_PostgreSql.sql >/dev/null 2>&1
"${PSQL[@]}" -d chinook -c "VACUUM ANALYZE" >/dev/null

APIFORGE_ADMIN_EMAIL=bench@example.com APIFORGE_ADMIN_PASSWORD=bench-password APIFORGE_LOG=warn \
  "$BIN" serve --bind "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SRV=$!
for _ in $(seq 1 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v2")" != 000 ] && break
  kill -0 "$SRV" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v2/system/admin/session" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["session_token"])')
curl -sf -X POST "http://127.0.0.1:$PORT/api/v2/system/service" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"chinook\",\"type\":\"postgres\",\"config\":{\"host\":\"127.0.0.1\",\"port\":$PG_PORT,\"database\":\"chinook\",\"username\":\"postgres\",\"pool_size\":$POOL}}" >/dev/null

A="http://127.0.0.1:$PORT/api/v2/chinook/_table"
declare -A URL=(
  [W1]="$A/track?filter=genre_id%3D1&order=track_id&limit=100"
  [W2]="$A/track/1000"
  [W3]="$A/album?limit=50&order=album_id&related=artist_by_artist_id,track_by_album_id"
)
for w in W1 W2 W3; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "${URL[$w]}")
  [ "$code" = 200 ] || { echo "$w answered $code"; exit 1; }
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
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $TOKEN" "$1" | awk '
    /Non-2xx/ { bad = $NF } /^Requests\/sec/ { rps = $2 }
    END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 } printf "%.0f\n", rps }'
}
bench() {
  "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M "$2" -c "$CONNS" -j "$THREADS" -T "$SECONDS_" \
    -f "$1" chinook 2>/dev/null | awk '/^tps/ { printf "%.0f\n", $3 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

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
G="http://127.0.0.1:$PORT/api/v2/chinook/graphql"
gql_body() { printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$1'" >"$WORK/$2.lua"; }
COLS="track_id name album_id media_type_id genre_id composer milliseconds bytes unit_price"
gql_body "{\"query\":\"{ track(where: {genre_id: {_eq: 1}}, order_by: [{track_id: asc}], limit: 100) { $COLS } }\"}" W4
gql_body "{\"query\":\"{ album(limit: 50, order_by: [{album_id: asc}]) { album_id title artist_id artist_by_artist_id { artist_id name } track_by_album_id { $COLS } } }\"}" W5
latency() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$@" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 } /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}
for w in W4 W5; do
  out=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$WORK/$w.lua")" "$G")
  case $out in '{"data":{'*) ;; *) echo "$w answered: ${out:0:300}"; exit 1;; esac
done
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
