#!/bin/sh
# Measures the token broker against the floor (BENCHMARKS.md): the same
# refreshes sent straight to a fake EXchange, then through qex-broker on
# SQLite, on PostgreSQL (one process) and on PostgreSQL (two processes on one
# database, the clients split between them), at each EXchange latency.
#   scripts/measure-broker.sh [CLIENTS] [DURATION] [LATENCIES] [ROUNDS]
# e.g. scripts/measure-broker.sh 32 8s "0ms 50ms" 2. Each round runs the
# four loads one after the other, so a round's rows are measured under the
# same background load: compare rows within a round. Everything listens on
# loopback; a throwaway PostgreSQL cluster is started in a temporary folder
# (as nobody when run as root: initdb refuses root) and removed at the end.
set -eu
CLIENTS=${1:-32}
DURATION=${2:-8s}
LATENCIES=${3:-0ms 50ms}
ROUNDS=${4:-1}
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  [ -n "${pgctl:-}" ] && $asuser "$pgctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

CGO_ENABLED=0 go build -o "$work/qex-broker" ./cmd/qex-broker
go build -o "$work/brokerbench" ./internal/broker/brokertest/brokerbench

# PostgreSQL: Debian's newest, on a Unix socket only.
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgctl="$bin/pg_ctl"
asuser=""
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then
  chown nobody "$work/pg"
  chmod 755 "$work"
  asuser="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
$asuser "$bin/initdb" -D "$work/pg/data" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >/dev/null
$asuser "$pgctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-k $work/pg -c listen_addresses= -c max_connections=100" start >/dev/null
# newdb: a fresh database in $db.
dbn=0
newdb() {
  dbn=$((dbn + 1))
  $asuser "$bin/createdb" -h "$work/pg" -U postgres "m$dbn"
  db="postgres://postgres@/m$dbn?host=$work/pg&sslmode=disable"
}

# start_bg VAR CMD...: runs CMD, waits for its first line (a URL) into VAR.
start_bg() {
  var=$1; shift
  fifo="$work/fifo.$$.$dbn.$var"
  mkfifo "$fifo"
  "$@" >"$fifo" 2>>"$work/stderr.log" &
  pids="$pids $!"
  read -r line <"$fifo"
  cat "$fifo" >/dev/null &
  eval "$var=\$(echo \"\$line\" | sed 's/.*listening on //')"
}

export EXCHANGE_CLIENT_SECRET=partner-client-secret-9f8e7d6c
BROKER_KEY=$(head -c 32 /dev/urandom | base64)
export BROKER_KEY
broker() {
  start_bg "$1" "$work/qex-broker" serve --listen 127.0.0.1:0 --exchange-base "$fake" --client-id partner-client-id \
    --db "$2" --rate-limit 1000000 --address-limit 1000000
}
load() {
  "$work/brokerbench" load --fake "$fake" --clients "$CLIENTS" --duration "$DURATION" "$@"
}

busy() { ps -eo pcpu,comm --sort=-pcpu | sed -n 2,6p | awk '{printf "%s %s%%; ", $2, $1}'; }
echo "$CLIENTS clients, $DURATION each, $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "busiest processes at the start: $(busy)"
for latency in $LATENCIES; do
  echo
  echo "EXchange latency $latency"
  echo "| store | refreshes/s | p50 | p99 | errors |"
  echo "| --- | --- | --- | --- | --- |"
  start_bg fake "$work/brokerbench" fake --latency "$latency"
  broker b1 "sqlite:$work/broker-$latency.db"
  newdb
  broker b2 "$db"
  newdb
  broker b3 "$db"
  broker b4 "$db"
  for round in $(seq "$ROUNDS"); do
    r=""
    if [ "$ROUNDS" -gt 1 ]; then r=" (round $round)"; fi
    load --label "floor (straight to the fake)$r"
    load --label "SQLite$r" --broker "$b1"
    load --label "PostgreSQL, 1 process$r" --broker "$b2"
    load --label "PostgreSQL, 2 processes$r" --broker "$b3,$b4"
  done
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  pids=""
done
echo
echo "busiest processes at the end: $(busy)"
if grep -q '"level":"ERROR"' "$work/stderr.log"; then
  echo "errors in the brokers' logs:"; grep '"level":"ERROR"' "$work/stderr.log" | head -5
fi
