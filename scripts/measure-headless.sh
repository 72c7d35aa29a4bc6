#!/usr/bin/env bash
# Measures the built app's headless flow end to end against the embedded
# sandbox, with the scripted user as $BROWSER: wall time per run (median and
# worst of N) and peak resident memory. Results go in BENCHMARKS.md.
# Usage: scripts/measure-headless.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/qex-companion" .
go build -o "$tmp/qex-test-browser" ./internal/testbrowser/cmd/qex-test-browser
export BROWSER="$tmp/qex-test-browser"
times=()
peak_kb=0
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  # GNU time reads the child's peak RSS from the kernel's rusage.
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$tmp/rss" "$tmp/qex-companion" --headless >/dev/null 2>"$tmp/err"
    kb=$(tail -1 "$tmp/rss"); [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
  else
    "$tmp/qex-companion" --headless >/dev/null 2>"$tmp/err"
  fi
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs: $runs"
echo "median wall: ${sorted[$((runs / 2))]} ms, worst: ${sorted[$((runs - 1))]} ms"
[ "$peak_kb" -gt 0 ] && echo "peak RSS: $((peak_kb / 1024)) MiB" || echo "peak RSS: (install GNU time to measure)"
