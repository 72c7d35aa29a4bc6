#!/usr/bin/env bash
# Measures the time from launching the built app to its window being visible
# (under Xvfb), and its resident memory once idle. Results go in BENCHMARKS.md.
# Usage: [MEASURE_LANG=ja_JP.UTF-8] scripts/measure-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
tmp=$(mktemp -d)
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/qex-companion" .
exec 3> "$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp & xvfb_pid=$!
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" LANG="${MEASURE_LANG:-en_US.UTF-8}" HOME="$tmp"
times=()
rss=0
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$tmp/qex-companion" >/dev/null 2>&1 & pid=$!
  # xdotool's --sync checks twice a second: poll every 10 ms instead.
  until xdotool search --onlyvisible --name '^QEX Companion$' >/dev/null 2>&1; do sleep 0.01; done
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
  sleep 1
  kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); [ "$kb" -gt "$rss" ] && rss=$kb
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs: $runs"
echo "launch to visible window: median ${sorted[$((runs / 2))]} ms, worst ${sorted[$((runs - 1))]} ms"
echo "idle RSS after 1 s: $((rss / 1024)) MiB (largest of the runs)"
