#!/usr/bin/env bash
# Load benchmark of the demo server (W1–W3 REST, W4–W5 the same reads as GraphQL)
# with datasette side by side (W1, W2).
#
#   bash bench/run.sh            # 3 runs of each workload, medians reported
#   RUNS=2 DURATION=10s bash bench/run.sh
#
# Needs wrk (apt-get install wrk) and datasette (pip install datasette); the script
# installs them when missing. Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
DS_PORT=${DS_PORT:-18081}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v datasette >/dev/null || pip install -q datasette

cargo build --release -q -p apiforge
BIN=target/release/apiforge
WORK=$(mktemp -d)
cleanup() { kill "${SRV:-}" "${DS:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

APIFORGE_ADMIN_EMAIL=bench@example.com APIFORGE_ADMIN_PASSWORD=bench-password APIFORGE_LOG=warn \
  "$BIN" serve --demo --bind "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SRV=$!
# Ready when it answers at all (401 without a token).
for _ in $(seq 1 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v2")" != 000 ] && break
  kill -0 "$SRV" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v2/system/admin/session" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["session_token"])')

cp "$WORK/data/chinook.sqlite" "$WORK/ds.sqlite"
datasette serve "$WORK/ds.sqlite" --port "$DS_PORT" --setting num_sql_threads 3 >"$WORK/ds.log" 2>&1 &
DS=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$DS_PORT/" -o /dev/null && break; sleep 0.2; done

A="http://127.0.0.1:$PORT/api/v2/chinook/_table"
D="http://127.0.0.1:$DS_PORT/ds"
declare -A URL=(
  [W1]="$A/Track?filter=GenreId%3D1&order=TrackId&limit=100"
  [W2]="$A/Track/1000"
  [W3]="$A/Album?limit=50&order=AlbumId&related=Artist_by_ArtistId,Track_by_AlbumId"
  [D1]="$D/Track.json?GenreId=1&_sort=TrackId&_size=100&_shape=array"
  [D2]="$D/Track/1000.json?_shape=array"
)

# W4 = W1 and W5 = W3 as GraphQL (POST bodies for wrk).
G="http://127.0.0.1:$PORT/api/v2/chinook/graphql"
URL[W4]=$G
URL[W5]=$G
gql_body() { printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$1'" >"$WORK/$2.lua"; }
gql_body '{"query":"{ Track(where: {GenreId: {_eq: 1}}, order_by: [{TrackId: asc}], limit: 100) { TrackId Name AlbumId MediaTypeId GenreId Composer Milliseconds Bytes UnitPrice } }"}' W4
gql_body '{"query":"{ Album(limit: 50, order_by: [{AlbumId: asc}]) { AlbumId Title ArtistId Artist_by_ArtistId { ArtistId Name } Track_by_AlbumId { TrackId Name AlbumId MediaTypeId GenreId Composer Milliseconds Bytes UnitPrice } } }"}' W5
for w in W4 W5; do
  body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$WORK/$w.lua")
  out=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$body" "$G")
  case $out in '{"data":{'*) ;; *) echo "$w answered: ${out:0:300}"; exit 1;; esac
done

# Sanity: each URL answers 200 with data before it is loaded.
for w in W1 W2 W3; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "${URL[$w]}")
  [ "$code" = 200 ] || { echo "$w answered $code"; exit 1; }
done
for w in D1 D2; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "${URL[$w]}")
  [ "$code" = 200 ] || { echo "datasette $w answered $code"; exit 1; }
done

# One wrk run → "rps p50_ms p99_ms".
load() {
  local url=$1; shift
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A RPS P50 P99
for w in W1 W2 W3 W4 W5 D1 D2; do
  hdr=(); [[ $w == W* ]] && hdr=(-H "Authorization: Bearer $TOKEN")
  [[ $w == W4 || $w == W5 ]] && hdr+=(-s "$WORK/$w.lua")
  : >"$WORK/$w"
  for _ in $(seq 1 "$RUNS"); do load "${URL[$w]}" "${hdr[@]}" >>"$WORK/$w"; done
  RPS[$w]=$(cut -d' ' -f1 "$WORK/$w" | median)
  P50[$w]=$(cut -d' ' -f2 "$WORK/$w" | median)
  P99[$w]=$(cut -d' ' -f3 "$WORK/$w" | median)
  echo "$w runs (rps p50 p99): $(tr '\n' ';' <"$WORK/$w")"
done
RSS_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$SRV/status")

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, median of $RUNS runs"
printf '%-4s %-10s %10s %9s %9s\n' wl server req/s p50_ms p99_ms
for w in W1 W2 W3 W4 W5; do printf '%-4s %-10s %10s %9s %9s\n' "$w" apiforge "${RPS[$w]}" "${P50[$w]}" "${P99[$w]}"; done
for w in D1 D2; do printf '%-4s %-10s %10s %9s %9s\n' "W${w#D}" datasette "${RPS[$w]}" "${P50[$w]}" "${P99[$w]}"; done
echo
awk -v a1="${RPS[W1]}" -v d1="${RPS[D1]}" -v a2="${RPS[W2]}" -v d2="${RPS[D2]}" -v w3="${RPS[W3]}" -v w4="${RPS[W4]}" -v w5="${RPS[W5]}" -v rss="$RSS_KB" 'BEGIN {
  printf "W4/W1 (GraphQL/REST) = %.2f (target >= 0.8)\n", w4 / a1
  printf "W5/W3 (GraphQL/REST) = %.2f (target >= 0.8)\n", w5 / w3
  printf "W1 apiforge/datasette = %.1fx (target >= 10x)\n", a1 / d1
  printf "W2 apiforge/datasette = %.1fx (target >= 15x)\n", a2 / d2
  printf "W3 apiforge = %d req/s (target >= 1500)\n", w3
  printf "apiforge peak RSS = %.1f MB (target < 100 MB)\n", rss / 1024
}'
