// Package appid holds the app's one identifier, a reversed domain the app
// owns: the Fyne app id, the keychain service, the folder for settings and
// the single-instance socket, and the URL scheme of return links (RFC 8252
// §7.1 asks for exactly such a scheme).
package appid

// ID is io.qexcompanion.app.
const ID = "io.qexcompanion.app"
