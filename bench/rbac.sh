#!/usr/bin/env bash
# What a role costs: the same reads through an admin session (A) and through an
# app's API key whose role has a record filter (B), on one server, interleaved
# (A, B, A, B, …) so that a noisy machine weighs on both alike.
#
#   bash bench/rbac.sh BINARY                 # e.g. target/release/apiforge
#   RUNS=3 DURATION=10s WORKLOADS="W1 W2 W4" bash bench/rbac.sh target/release/apiforge
#
# The server runs `serve --demo` (SQLite Chinook). The role `bench_filtered` may
# GET `_table/*` of `chinook` with the record filter `Milliseconds >= 0` on every
# table that has the column, so the answers are the same rows on both sides and
# the difference is the access decision and the filter in the SQL. Workloads as
# in bench/lib.sh (W1 list with a filter, W2 one record, W4 = W1 as GraphQL).
# Prints the median req/s of each side and B/A. Port: PORT=18093.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BIN=${1:?usage: bench/rbac.sh BINARY}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
WORKLOADS=${WORKLOADS:-W1 W2 W4}
PORT=${PORT:-18093}
NAMES=sqlite
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 1; }
need_wrk

WORK=$(mktemp -d)
trap bench_cleanup EXIT
serve S "$BIN" "$PORT" --demo
TOKEN=$(cat "$WORK/S.token")
api() { # METHOD PATH BODY → body; fails on a non-2xx
  local out
  out=$(curl -s -w '\n%{http_code}' -X "$1" "http://127.0.0.1:$PORT/api/v2$2" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$3")
  case ${out##*$'\n'} in 2??) echo "${out%$'\n'*}" ;; *) echo "$1 $2 answered: $out" >&2; exit 1 ;; esac
}
api POST /system/role '{"name":"bench_filtered","description":"bench/rbac.sh","access":[
  {"service":"chinook","component":"_table/*","verbs":["GET"]},
  {"service":"chinook","component":"_table/Track","verbs":["GET"],"filter":"Milliseconds >= 0"}]}' >/dev/null
KEY=$(api POST /system/app '{"name":"bench_app","role":"bench_filtered"}' | sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p')
[ -n "$KEY" ] || { echo "no api_key in the app's answer" >&2; exit 1; }
gql_bodies

header() { if [ "$1" = A ]; then echo "Authorization: Bearer $TOKEN"; else echo "X-Api-Key: $KEY"; fi; }
for w in $WORKLOADS; do
  why=$(check_wl "$PORT" "$TOKEN" "$w"); [ -z "$why" ] || { echo "$w (admin) $why" >&2; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT$(wl_path W2)")
  [ "$code" = 200 ] || { echo "the key's W2 answered $code" >&2; exit 1; }
done

echo "one server, sqlite; wrk -t$THREADS -c$CONNS -d$DURATION; median of $RUNS; A = admin session, B = API key with a filtered role"
printf '%-4s %12s %12s %7s   (runs A | B)\n' wl "A req/s" "B req/s" "B/A"
failed=
for w in $WORKLOADS; do
  : >"$WORK/$w.A"; : >"$WORK/$w.B"
  mapfile -t extra < <(wl_args "$w")
  for _ in $(seq 1 "$RUNS"); do
    for side in A B; do
      wrk_run -H "$(header $side)" "${extra[@]}" "http://127.0.0.1:$PORT$(wl_path "$w")" >>"$WORK/$w.$side"
    done
  done
  ab_row "$w"
done
[ -z "$failed" ] || { echo "errors under load in:$failed" >&2; tail -n 5 "$WORK/S.log" >&2; exit 1; }
