#!/usr/bin/env bash
# Profiles the app's start-up under Xvfb, in English and Japanese: a CPU
# profile, an allocation profile and an execution trace of its first
# seconds (startupprofile.go, built with -tags startupprofile), and
# GODEBUG=inittrace=1 of package initialisation. Writes them to the output
# folder and prints the top of each profile.
# Usage: scripts/profile-startup.sh [output-dir]   (default profiles/)
set -euo pipefail
# In a private session bus, as a desktop has one: without it Fyne's window
# autolaunches a dbus-daemon that outlives the script.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then exec dbus-run-session -- "$0" "$@"; fi
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-profiles}")
mkdir -p "$out"
tmp=$(mktemp -d)
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
go build -tags startupprofile -o "$tmp/qex-companion" .
exec 3> "$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp & xvfb_pid=$!
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" QEX_PROFILE_SECONDS=${QEX_PROFILE_SECONDS:-1.5}
for lang in en_US.UTF-8 ja_JP.UTF-8; do
  d="$out/${lang%%_*}"; mkdir -p "$d"
  HOME="$tmp/home-$lang" LANG=$lang QEX_PROFILE_DIR="$d" GODEBUG=inittrace=1 "$tmp/qex-companion" >/dev/null 2>"$d/inittrace.txt" || true
  echo "== $lang: package init, slowest (clock ms, bytes)"
  grep '^init ' "$d/inittrace.txt" | sort -k5 -n -r | head -8
  echo "== $lang: CPU, cumulative"
  go tool pprof -top -cum "$tmp/qex-companion" "$d/cpu.pprof" 2>/dev/null | sed -n '1,40p'
  echo "== $lang: allocated bytes"
  go tool pprof -top -sample_index=alloc_space "$tmp/qex-companion" "$d/allocs.pprof" 2>/dev/null | sed -n '1,25p'
done
echo "trace: go tool trace $out/en/trace.out"
