# Shell functions shared by bench/ab.sh and bench/pg.sh (sourced, not run).
# The caller sets WORK (a temp folder), THREADS, CONNS, DURATION, and
# `trap bench_cleanup EXIT`; servers it starts go into PIDS.

PIDS=()
PG_UP=
AS_PG=()
BENCH_EMAIL=bench@example.com
BENCH_PASSWORD=bench-password

bench_cleanup() {
  kill "${PIDS[@]}" 2>/dev/null || true
  [ -z "$PG_UP" ] || "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

need_wrk() { command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }; }

# Fails when something already listens on PORT (another benchmark on a shared machine).
port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "port $1 is already in use; set the script's *PORT variables to free ones" >&2
    exit 1
  fi
}

# PGBIN (initdb, pg_ctl) and PGBENCH, from the postgresql package (installed when missing).
pg_tools() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ ! -x "$PGBIN/initdb" ] || ! { command -v pgbench >/dev/null || [ -x "$PGBIN/pgbench" ]; }; then
    apt-get update -qq && apt-get install -y -qq postgresql
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  PGBENCH=$(command -v pgbench || echo "$PGBIN/pgbench")
}

# A throwaway PostgreSQL on 127.0.0.1:$PG_PORT (initdb in $WORK/pg, trust auth, user
# postgres) with tests/fixtures/chinook/Chinook_PostgreSql.sql loaded as database chinook.
# Stopped by bench_cleanup.
pg_start() {
  pg_tools
  port_free "$PG_PORT"
  chmod 755 "$WORK"
  if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; fi
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >/dev/null
  PG_UP=1
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
  PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
  "${PSQL[@]}" -f tests/fixtures/chinook/Chinook_PostgreSql.sql >/dev/null 2>&1
  "${PSQL[@]}" -d chinook -c "VACUUM ANALYZE" >/dev/null
}

# serve NAME BINARY PORT [SERVE_ARGS…]: starts `BINARY serve` on 127.0.0.1:PORT with its
# data in $WORK/NAME (log $WORK/NAME.log), waits until it answers, logs the admin in.
# Its pid goes into PIDS, its session token into $WORK/NAME.token.
serve() {
  local name=$1 bin=$2 port=$3 pid
  shift 3
  port_free "$port"
  APIFORGE_ADMIN_EMAIL=$BENCH_EMAIL APIFORGE_ADMIN_PASSWORD=$BENCH_PASSWORD APIFORGE_LOG=warn \
    "$bin" serve "$@" --bind "127.0.0.1:$port" --data-dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  # Ready when it answers at all (401 without a token).
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v2")" != 000 ] && break
    kill -0 "$pid" 2>/dev/null || { echo "$name ($bin) exited:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -s -X POST "http://127.0.0.1:$port/api/v2/system/admin/session" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" \
    | sed -n 's/.*"session_token":"\([^"]*\)".*/\1/p' >"$WORK/$name.token"
  [ -s "$WORK/$name.token" ] || { echo "$name did not log in:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
}

# add_pg_service PORT TOKEN: registers the PostgreSQL of pg_start as service `chinook`
# (pool of $POOL connections) through the admin API of the server on PORT.
add_pg_service() {
  local out
  out=$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$1/api/v2/system/service" \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"name\":\"chinook\",\"type\":\"postgres\",\"config\":{\"host\":\"127.0.0.1\",\"port\":$PG_PORT,\"database\":\"chinook\",\"username\":\"postgres\",\"pool_size\":$POOL}}")
  case ${out##*$'\n'} in
    2??) ;;
    *) echo "registering service chinook on :$1 answered ${out##*$'\n'}: ${out%$'\n'*}" >&2; exit 1 ;;
  esac
}

# The workloads. NAMES=sqlite for the demo's Chinook (Track, TrackId), NAMES=postgres for
# Chinook_PostgreSql.sql (track, track_id). W1 list with a filter, W2 one record, W3
# nested relations, W4 = W1 and W5 = W3 as GraphQL (POST bodies in $WORK/W4.lua, W5.lua).
wl_path() {
  case $NAMES:$1 in
    sqlite:W1) echo "/api/v2/chinook/_table/Track?filter=GenreId%3D1&order=TrackId&limit=100" ;;
    sqlite:W2) echo "/api/v2/chinook/_table/Track/1000" ;;
    sqlite:W3) echo "/api/v2/chinook/_table/Album?limit=50&order=AlbumId&related=Artist_by_ArtistId,Track_by_AlbumId" ;;
    postgres:W1) echo "/api/v2/chinook/_table/track?filter=genre_id%3D1&order=track_id&limit=100" ;;
    postgres:W2) echo "/api/v2/chinook/_table/track/1000" ;;
    postgres:W3) echo "/api/v2/chinook/_table/album?limit=50&order=album_id&related=artist_by_artist_id,track_by_album_id" ;;
    *:W4 | *:W5) echo "/api/v2/chinook/graphql" ;;
    *) echo "unknown workload $1 (W1–W5)" >&2; exit 1 ;;
  esac
}
# gql_body JSON W → $WORK/W.lua: the POST for wrk, and since GraphQL answers errors with a
# 200, a count of the answers holding "errors" that wrk prints as "GraphQL errors: N".
gql_body() {
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$1'" >"$WORK/$2.lua"
  cat >>"$WORK/$2.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) gql_errors = 0 end
function response(status, headers, body)
  if body and body:find('"errors":', 1, true) then gql_errors = gql_errors + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("gql_errors") end
  io.write(string.format("GraphQL errors: %d\n", n))
end
LUA
}
gql_bodies() {
  local cols
  case $NAMES in
    sqlite)
      cols="TrackId Name AlbumId MediaTypeId GenreId Composer Milliseconds Bytes UnitPrice"
      gql_body "{\"query\":\"{ Track(where: {GenreId: {_eq: 1}}, order_by: [{TrackId: asc}], limit: 100) { $cols } }\"}" W4
      gql_body "{\"query\":\"{ Album(limit: 50, order_by: [{AlbumId: asc}]) { AlbumId Title ArtistId Artist_by_ArtistId { ArtistId Name } Track_by_AlbumId { $cols } } }\"}" W5 ;;
    postgres)
      cols="track_id name album_id media_type_id genre_id composer milliseconds bytes unit_price"
      gql_body "{\"query\":\"{ track(where: {genre_id: {_eq: 1}}, order_by: [{track_id: asc}], limit: 100) { $cols } }\"}" W4
      gql_body "{\"query\":\"{ album(limit: 50, order_by: [{album_id: asc}]) { album_id title artist_id artist_by_artist_id { artist_id name } track_by_album_id { $cols } } }\"}" W5 ;;
  esac
}
# wl_args W → wrk's extra arguments for W (the Lua script of the GraphQL ones), one a line.
wl_args() { case $1 in W4 | W5) printf '%s\n' -s "$WORK/$1.lua" ;; esac; }

# check_wl PORT TOKEN W: one request of W; prints why it failed (empty when it answered
# 200, and for GraphQL data without errors, since GraphQL errors can come with a 200).
check_wl() {
  local out code body url="http://127.0.0.1:$1$(wl_path "$3")"
  case $3 in
    W4 | W5) out=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
      -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$WORK/$3.lua")" "$url") ;;
    *) out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $2" "$url") ;;
  esac
  code=${out##*$'\n'} body=${out%$'\n'*}
  if [ "$code" != 200 ]; then echo "answered $code: ${body:0:300}"
  elif [[ $3 == W[45] && ( $body != '{"data":{'* || $body == *'"errors":'* ) ]]; then echo "answered: ${body:0:300}"
  fi
}

# wrk_run WRK_ARGS… URL → "REQ_PER_SEC ERRORS": the answers with status >= 400 (wrk's
# "Non-2xx or 3xx") plus, for GraphQL, the 200s holding errors.
wrk_run() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$@" | awk '
    /Non-2xx/ { bad += $NF } /^GraphQL errors:/ { bad += $NF } /^Requests\/sec/ { rps = $2 }
    END { printf "%.0f %d\n", rps, bad }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ab_row W: prints W's row (median req/s of A and B from $WORK/W.A and $WORK/W.B, B/A,
# each run) and adds W to $failed when a side had errors: a side with errors in any run
# has no median, since errors must not look fast.
ab_row() {
  local w=$1 a b ratio
  med() { if awk '$2 > 0 { e = 1 } END { exit !e }' "$1"; then echo ERR; else cut -d' ' -f1 "$1" | median; fi; }
  runs() { awk '{ printf "%s%s ", $1, ($2 > 0 ? "(" $2 " errors)" : "") }' "$1"; }
  a=$(med "$WORK/$w.A"); b=$(med "$WORK/$w.B")
  if [ "$a" = ERR ] || [ "$b" = ERR ]; then ratio=-; failed+=" $w"; else ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }'); fi
  printf '%-4s %12s %12s %7s   (%s| %s)\n' "$w" "$a" "$b" "$ratio" "$(runs "$WORK/$w.A")" "$(runs "$WORK/$w.B")"
}
