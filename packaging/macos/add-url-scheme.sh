#!/usr/bin/env bash
# Declares the io.qexcompanion.app URL scheme in the macOS app bundle made by
# `fyne package -os darwin` (which writes no CFBundleURLTypes), so macOS opens
# those links in QEX Companion. Run it on a Mac after packaging, before
# signing: scripts cannot be tested on Linux, PlistBuddy ships with macOS.
# Usage: packaging/macos/add-url-scheme.sh "QEX Companion.app"
set -euo pipefail
plist="$1/Contents/Info.plist"
pb=/usr/libexec/PlistBuddy
"$pb" -c "Delete :CFBundleURLTypes" "$plist" 2>/dev/null || true
"$pb" -c "Add :CFBundleURLTypes array" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0 dict" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLName string io.qexcompanion.app" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLSchemes array" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLSchemes:0 string io.qexcompanion.app" "$plist"
echo "$plist: io.qexcompanion.app links now open in the app"
