#!/usr/bin/env bash
# Counts how often the window app fails to exit on SIGTERM (Fyne 2.7.1's
# shutdown deadlock, docs/fyne-workarounds.md): launches it under Xvfb,
# waits for its window, lets it settle 1.5 s, sends SIGTERM and waits up to
# 15 s. "rescued" runs exited through internal/quitguard (its stderr line);
# "hung" ones did not exit at all (their goroutine dump is kept).
# Run it in a private session bus, with the binary to measure:
#   dbus-run-session -- scripts/measure-quit-hangs.sh ./qex-companion 100 [ja_JP.UTF-8]
set -uo pipefail
bin=$(realpath "$1"); runs=${2:-100}; lang=${3:-en_US.UTF-8}
tmp=$(mktemp -d)
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
exec 3> "$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 2>/dev/null & xvfb_pid=$!
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")"
echo qex-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 </dev/null
window() { xdotool search --onlyvisible --name "^QEX Companion\$" >/dev/null 2>&1; }
hung=0; rescued=0; failed=0
for i in $(seq "$runs"); do
  HOME=$tmp XDG_RUNTIME_DIR=$tmp LANG=$lang "$bin" 2>"$tmp/stderr" & app=$!
  until window; do sleep 0.01; done
  sleep 1.5
  start=$(date +%s%N)
  kill "$app"
  for _ in $(seq 1500); do kill -0 "$app" 2>/dev/null || break; sleep 0.01; done
  ms=$((($(date +%s%N) - start) / 1000000))
  if kill -0 "$app" 2>/dev/null; then
    hung=$((hung + 1)); kill -QUIT "$app"; echo "run $i: hung (goroutines in quit-hang-$i.txt)"
  fi
  wait "$app"; code=$?
  [ "$code" -ne 0 ] && { failed=$((failed + 1)); echo "run $i: exit $code"; }
  if grep -q "shutdown did not finish" "$tmp/stderr"; then
    rescued=$((rescued + 1)); echo "run $i: rescued by the guard, exited after $ms ms"
  fi
  grep -q "^goroutine " "$tmp/stderr" && cp "$tmp/stderr" "quit-hang-$i.txt"
  while window; do sleep 0.01; done
done
echo "hung $hung, rescued $rescued, nonzero exit $failed, of $runs"
