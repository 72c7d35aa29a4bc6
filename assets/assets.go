// Package assets embeds the app's static files: the sandbox's pages and the
// pages the callback receiver shows in the user's browser.
package assets

import "embed"

// FS holds every embedded file, by its path below this folder.
//
//go:embed sandbox callback host
var FS embed.FS

// IconPNG is the app icon, 1024×1024.
//
//go:embed icon.png
var IconPNG []byte
