package msg

// What the app's own parts on this computer say: the single running copy,
// the keychain, the settings file, the saved sessions and the
// registration of the app's links. What the operating system said stays
// its own: an error parameter (or a Detail) the window quotes.
var (
	// The single running copy, and a later copy handing over to it.
	InstanceNoFolder         = define("instance.no-folder", "no folder for the single-instance endpoint: {{.Err}}")
	InstanceCannotTakeOver   = define("instance.cannot-take-over", "cannot take over the single-instance endpoint {{.Socket}}: {{.Err}}")
	InstanceCannotListen     = define("instance.cannot-listen", "cannot listen on {{.Socket}}")
	InstanceCannotCreate     = define("instance.cannot-create", "cannot create {{.Dir}}: {{.Err}}")
	InstanceNotAFolder       = define("instance.not-a-folder", "{{.Dir}} is not a folder")
	InstanceOpenToOthers     = define("instance.open-to-others", "{{.Dir}} is open to other users and cannot be closed: {{.Err}}")
	InstanceAlreadyRunning   = define("instance.already-running", "another QEX Companion is already running and receives {{.Scheme}}: links; wait for it to finish, or use --callback loopback")
	InstanceCannotWriteToken = define("instance.cannot-write-token", "cannot write the single-instance token: {{.Err}}")
	InstanceCannotReadToken  = define("instance.cannot-read-token", "cannot read the single-instance token: {{.Err}}")
	InstanceNoAnswer         = define("instance.no-answer", "the running copy does not answer: {{.Err}}")
	InstanceNoReply          = define("instance.no-reply", "the running copy did not reply: {{.Err}}")
	InstanceLinkTooLong      = define("instance.link-too-long", "link too long to hand over ({{.Size}} bytes)")
	InstanceRefusedByRunning = define("instance.refused-by-running", "the running copy refused the message: {{.Reason}}")
	InstanceRefusedOne       = define("instance.refused-one", "refused 1 single-instance connection: too many at once")
	InstanceRefusedMany      = define("instance.refused-many", "refused {{.Count}} single-instance connections: too many at once")
	InstanceRefusedMessage   = define("instance.refused-message", "refused a message from another copy of the app: {{.Err}}")
	InstanceMessageTooLarge  = define("instance.message-too-large", "message larger than {{.Max}} bytes")
	InstanceMessageCut       = define("instance.message-incomplete", "message incomplete or too slow")
	InstanceMessageNotJSON   = define("instance.message-not-json", "message is not valid JSON")
	InstanceWrongToken       = define("instance.wrong-token", "wrong or missing token")
	InstanceMessageAsks      = define("instance.message-asks", "message asks for nothing, or for two things")

	// The keychain.
	KeychainNoEntry     = define("keychain.no-entry", "no keychain entry")
	KeychainUnavailable = define("keychain.unavailable", "no system keychain ({{.Reason}})")
	KeychainNoSession   = define("keychain.no-session-bus", "no D-Bus session")
	KeychainBusy        = define("keychain.busy", "an earlier call is still waiting for it")
	KeychainNoAnswer    = define("keychain.no-answer", "it did not answer within {{.After}}; it may be locked")
	KeychainTooLarge    = define("keychain.too-large", `keychain entry {{printf "%q" .Name}} is {{.Size}} bytes, more than the {{.Max}} every system accepts`)
	KeychainFileDamaged = define("keychain.file-damaged", "{{.Path}} is damaged; delete it to start afresh")
	PrivateFile         = define("where.private-file", "the private file {{.Path}}")
	InsecureStorage     = define("keychain.insecure-storage", "--insecure-storage: session secrets are kept in {{.Path}} (readable only by you, but by anything that runs as you), not in a system keychain")

	// Saved sessions.
	SessionMemoryOnly   = define("sessions.memory-only", "No system keychain: this session will be forgotten when you quit ({{.Err}}). Run with --insecure-storage to keep it in a private file instead.")
	SessionNotSaved     = define("sessions.not-saved", "the session could not be saved ({{.Err}}); it will be forgotten when you quit")
	SessionTooLarge     = define("sessions.too-large", "the session is {{.Size}} bytes: too large for the keychain")
	SessionDamagedSplit = define("sessions.damaged-split", "damaged split entry")
	SessionUnknownForm  = define("sessions.unknown-format", "unknown format")

	// The settings file, and the window's translations.
	SettingsNoFolder   = define("settings.no-folder", "no folder for settings: {{.Err}}")
	SettingsUnreadable = define("settings.unreadable", "cannot read settings: {{.Err}}")
	SettingsDamaged    = define("settings.damaged", "the settings file was damaged and was moved to {{.Aside}}; starting with defaults")
	SettingsNotSaved   = define("settings.not-saved", "cannot save settings: {{.Err}}")
	NoTranslations     = define("settings.no-translations", "Translations could not be loaded: {{.Err}}")

	// The registration of the app's links with the system.
	RegisterTemporaryBinary = define("register.temporary-binary", "this binary was built by `go run` in a temporary folder; register the installed app (or a `go build` binary) instead")
	RegisterByPackage       = define("register.by-package", "on this system the packaged app registers {{.Scheme}} links itself (Info.plist on macOS, AndroidManifest.xml on Android); see the README")
	RegisterXDGMimeFailed   = define("register.xdg-mime-failed", "xdg-mime could not make {{.File}} the handler: {{.Err}} {{.Output}}")
	RegisterCannotWriteKey  = define("register.cannot-write-key", `cannot write HKCU\{{.Key}}: {{.Err}}`)
	RegisterCannotRemoveKey = define("register.cannot-remove-key", `cannot remove HKCU\{{.Key}}: {{.Err}}`)
	RegisterNoXDGMime       = define("register.no-xdg-mime", "xdg-mime is not available to check (install xdg-utils)")
	RegisterNoHandler       = define("register.no-handler", "No application opens {{.Scheme}} links")
	RegisterOtherHandler    = define("register.other-handler", "Another application opens {{.Scheme}} links: {{.Handler}}")
	RegisterEntryMissing    = define("register.entry-missing", "{{.File}} is the handler but is missing; register again")
	RegisterOtherCopy       = define("register.other-copy", "Another copy of QEX Companion opens {{.Scheme}} links; register this one to change that")
	RegisterRegistered      = define("register.registered", "This app opens {{.Scheme}} links")
	RegisterFailedAtStart   = define("register.failed-at-start", "could not register {{.Scheme}} links: {{.Err}}")

	// Deep links that arrive with no sign-in waiting.
	LinkNotOurs     = define("link.not-ours", "ignored a link that is not the app's: {{.Err}}")
	LinkNothingWait = define("link.nothing-waiting", "a link arrived with nothing waiting for it (no sign-in is pending); start one from the Connect step")
)

// What is wrong with a link handed to the app.
var (
	LinkTooLong      = define("link.too-long", "link is {{.Size}} bytes; at most {{.Max}} are accepted")
	LinkNotURL       = define("link.not-url", "not a URL")
	LinkWrongScheme  = define("link.wrong-scheme", `scheme {{printf "%q" .Scheme}} is not {{.Want}}`)
	LinkHasHost      = define("link.has-host", "the link must be {{.Want}}?…, with no host")
	LinkWrongPath    = define("link.wrong-path", `path {{printf "%q" .Path}} is not {{.Want}}`)
	LinkHasFragment  = define("link.has-fragment", "the link has a fragment")
	LinkBadQuery     = define("link.bad-query", "the query is malformed")
	LinkRepeated     = define("link.repeated", `parameter {{printf "%q" .Name}} is repeated`)
	LinkNoState      = define("link.no-state", "the link has no state")
	LinkOnlyCallback = define("link.only-callback", "deep links return to {{.Want}} only, not {{.Path}}")
)

// More of the registration's status, as other systems word it.
var (
	RegisterOtherProgram = define("register.other-program", "Another program opens {{.Scheme}} links: {{.Handler}}")
	RegisterDeclared     = define("register.declared", "The packaged app declares {{.Scheme}} links")
)
