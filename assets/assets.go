// Package assets embeds the app's static files: the sandbox's pages and the
// pages the callback receiver shows in the user's browser.
package assets

import "embed"

// FS holds every embedded file, by its path below this folder.
//
//go:embed sandbox callback host
var FS embed.FS

// IconPNG is the app icon at 256×256 (icon.png scaled down), for the
// window and the link handler's desktop entry. The binary carries no
// larger copy: nothing it runs needs one (the packages take icon.png from
// the repository), and Fyne decodes the window's icon and X11 sends each
// of its pixels to the display before the first frame, 76 ms for
// 1024×1024 here.
//
//go:embed window-icon.png
var IconPNG []byte
