#!/usr/bin/env bash
# Takes the README's screenshots from the real app in a real window under
# Xvfb: Connect, Approve, Balances, Widget configuration, the Inspector and
# the Widget editor, the Liquid provider's result, a token result and the console,
# at the default 1024×700, plus the Approve step at phone size (360×740).
# Usage: scripts/screenshots.sh [output-dir]   (default docs/screenshots)
set -euo pipefail
# Run in a private D-Bus session with an unlocked keyring and a throwaway
# HOME, as make test does, so the shots show the app's normal state and
# touch nothing of yours.
if [ -z "${QEX_SCREENSHOT_SESSION:-}" ]; then
  # Go's caches stay where they are (read before HOME changes).
  export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
  export QEX_SCREENSHOT_SESSION=1 HOME="$(mktemp -d)"
  exec dbus-run-session -- bash -c 'echo shots | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" "$@"' "$0" "$@"
fi
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/qex-companion" .
go build -o "$tmp/qex-test-browser" ./internal/testbrowser/cmd/qex-test-browser
# A "browser" that only remembers the URL: the script approves when it wants.
printf '#!/bin/sh\necho "$1" > %s/approval-url\n' "$tmp" > "$tmp/record-browser"
chmod +x "$tmp/record-browser"

exec 3> "$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp & pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$tmp/display")" LANG=en_US.UTF-8 HOME="$tmp" BROWSER="$tmp/record-browser"

window() { xdotool search --sync --onlyvisible --name '^QEX Companion$' | head -1; }
shoot() { sleep 0.7; import -window "$(window)" "$out/$1.png"; echo "wrote $out/$1.png"; }
click() { xdotool mousemove --window "$(window)" "$1" "$2" click 1; }
# stop ends the last app started and waits, so its window is gone before the
# next search.
stop() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
app() { "$tmp/qex-companion" "$@" >>"$tmp/app.log" 2>&1 & pids+=($!); }

# 1. Connect, as a double-click opens it.
app
window >/dev/null
shoot 1-connect
stop

# 2–5. The flow, started at launch.
app --connect
window >/dev/null
for _ in $(seq 50); do [ -s "$tmp/approval-url" ] && break; sleep 0.1; done
shoot 2-approve
"$tmp/qex-test-browser" "$(cat "$tmp/approval-url")"
shoot 3-balances
click 90 677    # "Widget configuration →"
shoot 4-widget-configuration
click 238 61    # the Inspector tab
click 400 140   # the first exchange
shoot 5-inspector
click 137 61    # the Widget editor tab
shoot 7-widget-editor
stop

# The Approve step on a phone-sized window.
rm -f "$tmp/approval-url"
app --connect
xdotool windowsize "$(window)" 360 740
for _ in $(seq 50); do [ -s "$tmp/approval-url" ] && break; sleep 0.1; done
shoot 6-approve-phone
stop

# The Liquid exchange provider's result: profile and balances.
rm -f "$tmp/approval-url"
app --connect --provider liquid
xdotool windowsize "$(window)" 1024 700 # the phone shot's size was remembered
for _ in $(seq 50); do [ -s "$tmp/approval-url" ] && break; sleep 0.1; done
"$tmp/qex-test-browser" "$(cat "$tmp/approval-url")"
sleep 1.5 # the app notices by polling: the documents give no return address
shoot 8-liquid-result
stop

# A token provider's result (LiquidCommerce), then the request console.
app --connect --provider liquidcommerce
xdotool windowsize "$(window)" 1024 700
sleep 1.5
shoot 9-token-result
click 318 61    # the Console tab
click 500 101   # the path
xdotool type --delay 20 "/catalog/search?q=gin"
xdotool key Return
sleep 1
shoot 10-console
stop
