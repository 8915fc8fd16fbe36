#!/usr/bin/env bash
# Two builds of apiforge side by side on the same machine, in one run: each
# serves its own copy of the dataset, and wrk loads them in turn (A, B, A, B, …),
# so that a noisy machine weighs on both alike. Builds nothing: give it two binaries.
#
#   bash bench/ab.sh OLD_BINARY NEW_BINARY     # e.g. a release build of main and of a branch
#   RUNS=3 DURATION=10s WORKLOADS="W1 W2 W4" bash bench/ab.sh a b
#   BACKEND=postgres bash bench/ab.sh a b      # the same against a PostgreSQL service
#
# BACKEND=sqlite (default): each binary runs `serve --demo` (its own SQLite Chinook).
# BACKEND=postgres: one throwaway PostgreSQL as in bench/pg.sh (initdb in a temp
# folder on PG_PORT, Chinook_PostgreSql.sql loaded; needs the postgresql package),
# both binaries run `serve` and get it as service `chinook` (pool POOL=16) through
# the admin API; the workloads use its names (track, track_id).
#
# Workloads as in bench/run.sh and bench/pg.sh (defined in bench/lib.sh): W1 list
# with a filter, W2 one record, W3 nested relations, W4 = W1 and W5 = W3 as GraphQL.
# Each is first requested once on both sides and must answer 200 (GraphQL: data, no
# errors). Prints the median req/s of each and the ratio B/A. Errors under load
# (non-2xx answers; for GraphQL also 200s holding "errors", counted by the wrk script)
# are listed per run, the side shows ERR instead of its median, and the exit code is 1.
# Ports: A_PORT=18090, B_PORT=18091, PG_PORT=18092.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

usage="usage: [BACKEND=sqlite|postgres] bench/ab.sh OLD_BINARY NEW_BINARY"
A_BIN=${1:?$usage}
B_BIN=${2:?$usage}
BACKEND=${BACKEND:-sqlite}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4 W5}
A_PORT=${A_PORT:-18090}
B_PORT=${B_PORT:-18091}
PG_PORT=${PG_PORT:-18092}
POOL=${POOL:-16}
for bin in "$A_BIN" "$B_BIN"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }; done
for w in $WORKLOADS; do [[ $w == W[1-5] ]] || { echo "unknown workload $w (W1–W5)" >&2; exit 1; }; done
case $BACKEND in sqlite | postgres) NAMES=$BACKEND ;; *) echo "$usage" >&2; exit 1 ;; esac
need_wrk

WORK=$(mktemp -d)
trap bench_cleanup EXIT

if [ "$BACKEND" = postgres ]; then
  pg_start
  serve A "$A_BIN" "$A_PORT"
  serve B "$B_BIN" "$B_PORT"
  add_pg_service "$A_PORT" "$(cat "$WORK/A.token")"
  add_pg_service "$B_PORT" "$(cat "$WORK/B.token")"
else
  serve A "$A_BIN" "$A_PORT" --demo
  serve B "$B_BIN" "$B_PORT" --demo
fi
gql_bodies
port() { if [ "$1" = A ]; then echo "$A_PORT"; else echo "$B_PORT"; fi; }

bad=0
for w in $WORKLOADS; do
  for side in A B; do
    why=$(check_wl "$(port $side)" "$(cat "$WORK/$side.token")" "$w")
    [ -z "$why" ] || { echo "$w on $side $why" >&2; bad=1; }
  done
done
[ "$bad" = 0 ] || exit 1

echo "backend $BACKEND$([ "$BACKEND" = postgres ] && echo " (pool $POOL)"); wrk -t$THREADS -c$CONNS -d$DURATION; median of $RUNS; A = $A_BIN, B = $B_BIN"
printf '%-4s %12s %12s %7s   (runs A | B)\n' wl "A req/s" "B req/s" "B/A"
failed=
for w in $WORKLOADS; do
  : >"$WORK/$w.A"; : >"$WORK/$w.B"
  mapfile -t extra < <(wl_args "$w")
  for _ in $(seq 1 "$RUNS"); do
    for side in A B; do
      wrk_run -H "Authorization: Bearer $(cat "$WORK/$side.token")" "${extra[@]}" \
        "http://127.0.0.1:$(port $side)$(wl_path "$w")" >>"$WORK/$w.$side"
      pid=${PIDS[0]}; [ $side = A ] || pid=${PIDS[1]}
      kill -0 "$pid" 2>/dev/null || { echo "$side stopped during $w:" >&2; tail -n 20 "$WORK/$side.log" >&2; exit 1; }
    done
  done
  ab_row "$w"
done
if [ -n "$failed" ]; then
  echo "errors under load (non-2xx, or GraphQL errors) in:$failed" >&2
  for side in A B; do
    [ ! -s "$WORK/$side.log" ] || { echo "--- last lines of $side's log:" >&2; tail -n 5 "$WORK/$side.log" >&2; }
  done
  exit 1
fi
