#!/usr/bin/env bash
# Adds the io.qexcompanion.app URL-scheme handler to the .desktop file inside
# the Linux package that `fyne package` made (it writes no MimeType line), so
# that after `make user-install` the desktop opens those links in the app.
# Usage: scripts/patch-linux-package.sh "QEX Companion.tar.xz"
set -euo pipefail
pkg=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$pkg" -C "$tmp"
desktop=$(find "$tmp" -name '*.desktop' | head -1)
[ -n "$desktop" ] || { echo "no .desktop file in $pkg" >&2; exit 1; }
grep -q '^Exec=.*%u' "$desktop" || { echo "$desktop: Exec has no %u (FyneApp.toml ExecParams)" >&2; exit 1; }
if ! grep -q '^MimeType=.*x-scheme-handler/io.qexcompanion.app;' "$desktop"; then
  # $(cat) drops the trailing blank lines, so the key stays inside the entry.
  printf '%s\nMimeType=x-scheme-handler/io.qexcompanion.app;\n' "$(cat "$desktop")" > "$desktop.new"
  mv "$desktop.new" "$desktop"
fi
(cd "$tmp" && tar -cJf package.tar.xz --owner=0 --group=0 -- */)
mv "$tmp/package.tar.xz" "$pkg"
echo "$pkg: the .desktop file now opens io.qexcompanion.app links"
