#!/usr/bin/env bash
# Refreshes the README's screenshots of the flow from the real-window layout
# test's artefacts (TestRealWindowLayout: the real app under Xvfb, every step
# at 1024×700 and live-resized to 360×740, English and Japanese, light and
# dark), running that test first. The shots it does not take (the Liquid and
# token results, the console with a response, the sandbox's page) come from
# scripts/screenshots.sh.
# Usage: scripts/readme-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export QEX_TEST_ARTEFACTS="${QEX_TEST_ARTEFACTS:-$PWD/test-artefacts/screens}"
# The test runs as make test runs it: a private D-Bus session with an
# unlocked keyring and a throwaway HOME (Go's caches stay where they are).
export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
home=$(mktemp -d); trap 'rm -rf "$home"' EXIT
HOME="$home" QEX_REQUIRE_DISPLAY=1 dbus-run-session -- sh -c \
  'echo shots | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec go test -count=1 -run "^TestRealWindowLayout$" .'

copy() { cp "$QEX_TEST_ARTEFACTS/$1.png" "docs/screenshots/$2.png"; echo "docs/screenshots/$2.png"; }
copy en-light-qex-1-connect-1024x700 1-connect
copy en-light-qex-2-approve-1024x700 2-approve
copy en-light-qex-3-result-1024x700 3-balances
copy en-light-qex-4-widget-configuration-1024x700 4-widget-configuration
copy en-light-qex-2-approve-360x740 6-approve-phone
copy en-light-qex-7-widget-editor-1024x700 7-widget-editor
copy ja-light-qex-3-result-1024x700 ja-balances
copy ja-dark-qex-3-result-360x740 ja-balances-phone-dark
copy ja-light-qex-1-connect-360x740 ja-connect-phone
