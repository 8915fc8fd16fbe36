#!/usr/bin/env bash
# Two builds of apiforge side by side on the same machine, in one run: each
# serves its own copy of the demo, and wrk loads them in turn (A, B, A, B, …),
# so that a noisy machine weighs on both alike.
#
#   bash bench/ab.sh OLD_BINARY NEW_BINARY     # e.g. a release build of main and of a branch
#   RUNS=3 DURATION=10s WORKLOADS="W1 W2 W4" bash bench/ab.sh a b
#
# Workloads as in bench/run.sh: W1 list with a filter, W2 one record, W3 nested
# relations, W4 = W1 and W5 = W3 as GraphQL. Prints the median req/s of each and
# the ratio B/A.
set -euo pipefail
cd "$(dirname "$0")/.."

A_BIN=${1:?usage: bench/ab.sh OLD_BINARY NEW_BINARY}
B_BIN=${2:?usage: bench/ab.sh OLD_BINARY NEW_BINARY}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4 W5}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

WORK=$(mktemp -d)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# start NAME BINARY PORT → the server's pid in PIDS, its token in $WORK/NAME.token
start() {
  local name=$1 bin=$2 port=$3
  APIFORGE_ADMIN_EMAIL=bench@example.com APIFORGE_ADMIN_PASSWORD=bench-password APIFORGE_LOG=warn \
    "$bin" serve --demo --bind "127.0.0.1:$port" --data-dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v2")" != 000 ] && break
    sleep 0.2
  done
  curl -s -X POST "http://127.0.0.1:$port/api/v2/system/admin/session" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password"}' \
    | sed -n 's/.*"session_token":"\([^"]*\)".*/\1/p' >"$WORK/$name.token"
  [ -s "$WORK/$name.token" ] || { echo "$name did not log in:"; cat "$WORK/$name.log"; exit 1; }
}
start A "$A_BIN" 18090
start B "$B_BIN" 18091

path() {
  case $1 in
    W1) echo "/api/v2/chinook/_table/Track?filter=GenreId%3D1&order=TrackId&limit=100" ;;
    W2) echo "/api/v2/chinook/_table/Track/1000" ;;
    W3) echo "/api/v2/chinook/_table/Album?limit=50&order=AlbumId&related=Artist_by_ArtistId,Track_by_AlbumId" ;;
    W4 | W5) echo "/api/v2/chinook/graphql" ;;
  esac
}
gql_body() { printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$1'" >"$WORK/$2.lua"; }
gql_body '{"query":"{ Track(where: {GenreId: {_eq: 1}}, order_by: [{TrackId: asc}], limit: 100) { TrackId Name AlbumId MediaTypeId GenreId Composer Milliseconds Bytes UnitPrice } }"}' W4
gql_body '{"query":"{ Album(limit: 50, order_by: [{AlbumId: asc}]) { AlbumId Title ArtistId Artist_by_ArtistId { ArtistId Name } Track_by_AlbumId { TrackId Name AlbumId MediaTypeId GenreId Composer Milliseconds Bytes UnitPrice } } }"}' W5

load() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$@" | awk '
    /Non-2xx/ { bad = $NF } /^Requests\/sec/ { rps = $2 }
    END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 } printf "%.0f\n", rps }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf '%-4s %12s %12s %7s   (runs A | B)\n' wl "A req/s" "B req/s" "B/A"
for w in $WORKLOADS; do
  : >"$WORK/$w.A"; : >"$WORK/$w.B"
  for _ in $(seq 1 "$RUNS"); do
    for side in A B; do
      port=18090; [ $side = B ] && port=18091
      args=(-H "Authorization: Bearer $(cat "$WORK/$side.token")")
      [[ $w == W4 || $w == W5 ]] && args+=(-s "$WORK/$w.lua")
      load "${args[@]}" "http://127.0.0.1:$port$(path "$w")" >>"$WORK/$w.$side"
    done
  done
  a=$(median <"$WORK/$w.A"); b=$(median <"$WORK/$w.B")
  printf '%-4s %12s %12s %7.3f   (%s| %s)\n' "$w" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')" \
    "$(tr '\n' ' ' <"$WORK/$w.A")" "$(tr '\n' ' ' <"$WORK/$w.B")"
done
