#!/usr/bin/env bash
# Measures how light the app is against its anchors, side by side in one
# run, and prints the table BENCHMARKS.md records:
#   - start-up (launch until the window is visible, polled every 10 ms; and
#     until its first frame is drawn, which can come later: scripts/firstpaint
#     reads the window's pixels every millisecond once it is visible) and
#     resident memory 1.5 s later, against Fyne's hello-world app
#     (scripts/hello), in English and in Japanese (the hello app then shows a
#     Japanese label), under Xvfb; the two launched in turn, A B A B …;
#   - the binaries' sizes, unstripped, as `go build` makes them;
#   - the headless QEX flow on the embedded sandbox, whole process, the
#     scripted user approving, against a bare client making the same calls
#     (scripts/bareclient), in turn: with the session's keychain, where
#     both keep the sandbox's master key and save the session in it, and
#     with no D-Bus session, where neither keeps anything.
# Everything runs in a private D-Bus session with an unlocked keyring, as on
# a desktop, and a throwaway HOME per program and language, warmed up by one
# launch that is not counted. Medians; ratios are app / anchor.
# Usage: [SHOTS=dir] [ONLY=headless] [BEFORE=rev] scripts/measure-lightness.sh [runs]   (default 8)
# SHOTS keeps a screenshot of each program's window in each language;
# ONLY=headless measures the binaries and the headless rows alone.
# BEFORE also builds the app as it was at a git revision and launches it in
# the same turns (hello, app, before, …), adding its start-up rows: on a
# shared machine, a before and an after compare best within one run.
set -euo pipefail
if [ -z "${QEX_MEASURE_SESSION:-}" ]; then
  # Go's caches stay where they are (read before HOME changes).
  export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
  export QEX_MEASURE_SESSION=1 HOME="$(mktemp -d)"
  trap 'rm -rf "$HOME"' EXIT
  dbus-run-session -- bash -c 'echo measure | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" "$@"' "$0" "$@"
  exit
fi
cd "$(dirname "$0")/.."
runs=${1:-8}
[ -z "${SHOTS:-}" ] || { SHOTS=$(realpath -m "$SHOTS"); mkdir -p "$SHOTS"; }
tmp=$(mktemp -d)
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/qex-companion" .
go build -o "$tmp/hello" ./scripts/hello
go build -o "$tmp/bareclient" ./scripts/bareclient
go build -o "$tmp/qex-test-browser" ./internal/testbrowser/cmd/qex-test-browser
go build -o "$tmp/firstpaint" ./scripts/firstpaint
if [ -n "${BEFORE:-}" ]; then
  mkdir "$tmp/before-src"
  git archive "$BEFORE" | tar -x -C "$tmp/before-src"
  (cd "$tmp/before-src" && go build -o "$tmp/qex-before" .)
fi

exec 3> "$tmp/display"
# -noreset: the server would otherwise reset whenever its last client (a
# poll) leaves, and refuse a program that connects meanwhile.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset & xvfb_pid=$!
for _ in $(seq 50); do grep -q . "$tmp/display" 2>/dev/null && [ "$(wc -l < "$tmp/display")" -ge 1 ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# launch NAME LANG TITLE PROGRAM: one start-up, appending the time to
# $tmp/NAME-LANG.ms, the time to its first frame to $tmp/NAME-LANG.paint and
# the RSS (KiB) to $tmp/NAME-LANG.kb. Both start in
# an empty folder: a development build finding FyneApp.toml in its working
# folder would load and scale its icon, which an installed app never does.
launch() {
  local name=$1 lang=$2 title=$3 prog=$4 start end painted pid id
  mkdir -p "$tmp/home-$name-$lang"
  start=$(now_ms)
  (cd "$tmp/home-$name-$lang" && HOME="$PWD" LANG=$lang LANGUAGE= LC_ALL= exec "$prog") >>"$tmp/$name.log" 2>&1 & pid=$!
  until id=$(xdotool search --onlyvisible --name "^$title\$" 2>/dev/null | head -1) && [ -n "$id" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "$name exited before showing its window:"; tail -5 "$tmp/$name.log"; exit 1; }
    sleep 0.01
  done
  end=$(now_ms)
  "$tmp/firstpaint" "$id" || { echo "$name's window stayed blank"; exit 1; }
  painted=$(now_ms)
  sleep 1.5
  if [ -n "${SHOTS:-}" ] && [ ! -e "$SHOTS/$name-$lang.png" ]; then # what the first frame showed
    import -window "$(xdotool search --onlyvisible --name "^$title\$" | head -1)" "$SHOTS/$name-$lang.png"
  fi
  echo $((end - start)) >> "$tmp/$name-$lang.ms"
  echo $((painted - start)) >> "$tmp/$name-$lang.paint"
  awk '/VmRSS/ { print $2 }' "/proc/$pid/status" >> "$tmp/$name-$lang.kb"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # The window must be gone before the next launch looks for its own.
  while xdotool search --onlyvisible --name "^$title\$" >/dev/null 2>&1; do sleep 0.01; done
}

rows=()
row() { rows+=("| $1 | $2 | $3 | $(ratio "$3" "$2")× | $4 |"); }

langs="en_US.UTF-8 ja_JP.UTF-8"
[ "${ONLY:-}" != headless ] || langs=
for lang in $langs; do
  for i in $(seq 0 "$runs"); do
    launch hello "$lang" 'Hello World' "$tmp/hello"
    launch app "$lang" 'QEX Companion' "$tmp/qex-companion"
    [ -z "${BEFORE:-}" ] || launch before "$lang" 'QEX Companion' "$tmp/qex-before"
    if [ "$i" = 0 ]; then rm -f "$tmp"/*-"$lang".ms "$tmp"/*-"$lang".paint "$tmp"/*-"$lang".kb; fi # the warm-up
  done
  name=English; [ "$lang" = ja_JP.UTF-8 ] && name=Japanese
  row "start, $name (ms)" "$(median < "$tmp/hello-$lang.ms")" "$(median < "$tmp/app-$lang.ms")" "≤ 1.10×"
  [ -z "${BEFORE:-}" ] || row "start, $name, at $BEFORE (ms)" "$(median < "$tmp/hello-$lang.ms")" "$(median < "$tmp/before-$lang.ms")" "≤ 1.10×"
  row "first frame drawn, $name (ms)" "$(median < "$tmp/hello-$lang.paint")" "$(median < "$tmp/app-$lang.paint")" "—"
  [ -z "${BEFORE:-}" ] || row "first frame drawn, $name, at $BEFORE (ms)" "$(median < "$tmp/hello-$lang.paint")" "$(median < "$tmp/before-$lang.paint")" "—"
  row "RSS, $name (MiB)" "$(($(median < "$tmp/hello-$lang.kb" | cut -d. -f1) / 1024))" "$(($(median < "$tmp/app-$lang.kb" | cut -d. -f1) / 1024))" "≤ 1.20×"
done

size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1e6 }'; }
row "binary, unstripped (MB)" "$(size_mb "$tmp/hello")" "$(size_mb "$tmp/qex-companion")" "≤ 1.15×"

# Headless runs, each whole process, the two programs in turn: the QEX
# flow (the scripted user approves; no saved session is resumed) with the
# keyring of this session (both keep their sandbox's master key there and
# save the session in it), and again with no D-Bus session (no keychain:
# the sandbox and the session are kept in memory only); and start-and-exit
# alone (--help), which is what linking the window's libraries costs.
export BROWSER="$tmp/qex-test-browser" LANG=en_US.UTF-8
mkdir -p "$tmp/home-headless"
headless() { # headless KIND GOAL BARE-COMMAND APP-COMMAND...
  local kind=$1 goal=$2 bare=$3 i name start end; shift 3
  for i in $(seq 0 $((runs * 2))); do
    for name in bare app; do
      start=$(date +%s%N)
      if [ $name = bare ]; then
        HOME="$tmp/home-headless" $bare >/dev/null 2>>"$tmp/$name.log"
      else
        HOME="$tmp/home-headless" "$@" >/dev/null 2>>"$tmp/$name.log"
      fi || { echo "$name ($kind) failed:"; tail -5 "$tmp/$name.log"; exit 1; }
      end=$(date +%s%N)
      [ "$i" = 0 ] || echo $(((end - start) / 100000)) >> "$tmp/$name-$kind.dms" # tenths of ms; the first is a warm-up
    done
  done
  row "$kind (ms)" "$(median < "$tmp/bare-$kind.dms" | awk '{ print $1 / 10 }')" "$(median < "$tmp/app-$kind.dms" | awk '{ print $1 / 10 }')" "$goal"
}
headless "headless QEX flow, whole process, session saved in the keychain" "≤ 1.30×" "$tmp/bareclient" "$tmp/qex-companion" --headless --no-resume
headless "same, no D-Bus session (nothing kept)" "—" "env -u DBUS_SESSION_BUS_ADDRESS $tmp/bareclient" \
  env -u DBUS_SESSION_BUS_ADDRESS "$tmp/qex-companion" --headless --no-resume
headless "start and exit (--help)" "—" "$tmp/bareclient -h" "$tmp/qex-companion" --help

echo "$(date -u +%F), medians of $runs interleaved runs (headless: $((runs * 2))), load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| | anchor | this app | ratio | goal |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
