package msg

import (
	"strings"
	"unicode"
)

// The engine's and the approval wait's messages, and the summaries of the
// events every flow reports.
var (
	// Check: what is wrong with a target before anything is sent.
	UnknownProvider    = define("check.unknown-provider", `unknown provider {{printf "%q" .Name}}: choose {{.Choices}}`)
	UnknownEnv         = define("check.unknown-env", `unknown environment {{printf "%q" .Env}}: choose sandbox, production or a custom URL`)
	EnterAPIBase       = define("check.enter-api-base", "enter your server's API base URL, e.g. {{.Example}}")
	NotAChoice         = define("check.not-a-choice", `{{.Field}} {{printf "%q" .Value}}: choose {{.Choices}}`)
	EnterField         = define("check.enter-field", "enter the {{.Field}}")
	UnknownCallback    = define("check.unknown-callback", `unknown callback mode {{printf "%q" .Mode}}: choose loopback, deeplink or none`)
	NoSandbox          = define("engine.no-sandbox", "no embedded sandbox in this build: choose a custom URL")
	SandboxFailed      = define("engine.sandbox-failed", "the embedded sandbox could not start: {{.Err}}")
	NotConnected       = define("engine.not-connected", "not connected: connect first")
	NotConnectedWidget = define("engine.not-connected-widget", "not connected: connect first, then open the widget")
	NoTokenToRefresh   = define("engine.no-token", "this provider's access has no token to refresh")
	BadMethod          = define("engine.bad-method", `method {{printf "%q" .Method}}: use GET, POST, PUT, PATCH or DELETE`)
	BadPath            = define("engine.bad-path", `path {{printf "%q" .Path}} must start with /`)
	NoBrowserOpener    = define("engine.no-browser", "no browser opener configured")
	NoSessionStorage   = define("engine.no-storage", "no session storage")
	NotConnectedSimply = define("engine.not-connected-short", "not connected")

	// How a flow ended without success.
	TimedOut       = define("flow.timed-out", "timed out")
	TimedOutAfter  = define("flow.timed-out-after", "timed out after {{.After}}: {{.Err}}")
	NoApproval     = define("flow.no-approval", "timed out: no approval within {{.After}}; start again and approve in the browser")
	LastCheckAfter = define("flow.last-check", "timed out after {{.After}}: the last check failed: {{.Err}}")
	Cancelled      = define("flow.cancelled", "cancelled: context canceled")
	NotApprovedYet = define("flow.not-approved-yet", "not approved yet")
	// ServerSays is a waiting reason in the server's own words.
	ServerSays = define("flow.server-says", "server: {{.Said}}")

	// How approval was noticed.
	ViaReturn  = define("via.return", "the browser's return")
	ViaCheck   = define("via.check", "your check")
	ViaPolling = define("via.polling", "polling")

	// What a provider's server created for the user to approve.
	ThingSession     = define("thing.session", "session")
	ThingOAuth       = define("thing.oauth-request", "OAuth request")
	ThingAccessToken = define("thing.access-token", "access token")
	ThingBrokerLogin = define("thing.broker-sign-in", "sign-in at the token broker")

	// Event summaries, as the event log shows them. A thing the server
	// named no ID for is only its kind.
	EventStarted          = define("event.started", "{{.What}}{{if .ID}} {{.ID}}{{end}} created")
	EventStartedEnv       = define("event.started-env", "{{.What}}{{if .ID}} {{.ID}}{{end}} created ({{.Env}})")
	EventStartedExpires   = define("event.started-expires", "{{.What}}{{if .ID}} {{.ID}}{{end}} created; it expires at {{.At}}")
	EventStartedEnvExp    = define("event.started-env-expires", "{{.What}}{{if .ID}} {{.ID}}{{end}} created ({{.Env}}); it expires at {{.At}}")
	EventApprovalOpened   = define("event.approval-opened", "approval page opened in the browser: {{.URL}}")
	EventApprovalNoOpen   = define("event.approval-not-opened", "could not open a browser ({{.Err}}); open the approval page yourself: {{.URL}}")
	EventApprovalOpenThis = define("event.approval-open", "open the approval page in a browser: {{.URL}}")
	EventNoReturn         = define("event.no-return", "no browser return address ({{.Err}}); approval will be detected by polling")
	EventWaiting          = define("event.waiting", "waiting for approval ({{.Reason}}); checking again in {{.Next}}")
	EventCallbackIgnored  = define("event.callback-ignored", "callback {{.Reason}}")
	EventApproved         = define("event.approved", "approved (noticed via {{.Via}})")
	EventBalances         = define("event.balances", "balances fetched: {{.Count}} accounts")
	EventConnected        = define("event.connected", "connected ({{.Provider}}): the result is shown")
	EventWidgetConfig     = define("event.widget-config", "widget configuration ready")
	EventFailed           = define("event.failed", "failed: {{.Err}}")
	EventWriteFailed      = define("event.write-failed", "could not write the result: {{.Err}}")
	EventWritten          = define("event.written", "result written to {{.Path}}")
	EventRefreshFailed    = define("event.refresh-failed", "refresh failed: {{.Err}}")
	EventRefreshed        = define("event.refreshed", "refreshed: {{.Provider}}")
	EventNotRemembered    = define("event.not-remembered", "could not keep the {{.Field}} in the keychain: {{.Err}}")
	EventResumed          = define("event.resumed", "resumed the saved session from {{.Created}}")
	EventResumeDeclined   = define("event.resume-declined", "the saved session cannot be used any more ({{.Reason}}); it was forgotten and a new one is starting")
	EventSessionSaved     = define("event.session-saved", "session saved in {{.Where}} for the next launch")
	SystemKeychain        = define("where.keychain", "the system keychain")
	EventSignedOutNoEnd   = define("event.signed-out-cannot-end", "signed out here; {{.Err}}")
	EventSignedOutLocal   = define("event.signed-out-here", "signed out here, but the server could not be told ({{.Err}}): the session may stay valid there until it expires")
	EventSignedOut        = define("event.signed-out", "signed out: the session was ended on the server and forgotten here")
	NoSavedSession        = define("saved.none", "no saved session")
	CannotEnd             = define("saved.cannot-end", "this provider has no way to end a session from the app: it stays valid on the server until it expires")
)

// The providers' input fields, as named inside a sentence.
var fieldLabels = map[string]Kind{}

func init() {
	for _, label := range []string{"Public API key", "API token id", "API token secret", "Client id", "Client secret", "Grant", "Scope", "API key", "Token broker URL", "Scopes requested"} {
		fieldLabels[label] = define("field."+slug(label), inSentence(label))
	}
}

// FieldLabel names a field whose label is label inside a sentence: its
// kind when the catalogue has one, the label as it is otherwise.
func FieldLabel(label string) any {
	if k, ok := fieldLabels[label]; ok {
		return k
	}
	return inSentence(label)
}

// inSentence writes a label inside a sentence: "Public API key" becomes
// "public API key"; an acronym ("API token id") stays as it is.
func inSentence(label string) string {
	if len(label) > 1 && unicode.IsUpper(rune(label[0])) && unicode.IsLower(rune(label[1])) {
		return strings.ToLower(label[:1]) + label[1:]
	}
	return label
}

var (
	EventForgetFailed = define("event.forget-failed", "could not forget the saved session: {{.Err}}")
	EventForgot       = define("event.forgot", "forgot the saved {{.Provider}} session for {{.Env}} {{.Account}}")
)

var (
	EventWidgetNotOpened = define("event.widget-not-opened", "widget page at {{.Page}} not opened ({{.Err}}): open its one-time link yourself")
	EventWidgetOpened    = define("event.widget-opened", "widget page opened: {{.Page}}")
	EventWidget          = define("event.widget", "widget {{.Name}}: {{.Summary}}")
	EventWidgetRefused   = define("event.widget-refused", "widget host {{.Reason}}")
)

// What the browser brought back instead of an approval.
var (
	Denied            = define("return.denied", "the request was denied in the browser; approve it to connect, or start again")
	ReturnedError     = define("return.error", "the approval page returned error {{.Code}}")
	ReturnedErrorSaid = define("return.error-said", "the approval page returned error {{.Code}}: {{.Said}}")
)

// A call the server asked to wait for, and access that ended at once.
var (
	EventRetrying   = define("event.retrying", "{{.Reason}}; trying again in {{.Next}}")
	EventAccessGone = define("event.access-gone", "the access is gone ({{.Reason}}): it must be approved again, and a new approval is starting")
)

// Access that ended and must be approved again.
var (
	ApproveAgainStart   = define("flow.approve-again-start", "{{.Err}}: the access must be approved again; start again to approve it")
	ApproveAgainConnect = define("flow.approve-again-connect", "{{.Err}}: the access must be approved again; connect again")
)

// Why something that arrived at the browser's return address was not the
// pending flow's answer: the flow keeps waiting.
var (
	IgnoredPath      = define("ignored.path", `ignored a request for {{printf "%q" .Path}}: only {{.Want}} is answered`)
	IgnoredMethod    = define("ignored.method", "ignored a {{.Method}} request to the callback: only GET is accepted")
	IgnoredHost      = define("ignored.host", `ignored a callback with Host {{printf "%q" .Host}}: only {{.Want}} is accepted`)
	IgnoredState     = define("ignored.state", "ignored a callback whose state does not match the pending sign-in (forged, stale or repeated)")
	IgnoredLink      = define("ignored.link", "ignored a deep link: {{.Err}}")
	IgnoredLinkState = define("ignored.link-state", "ignored a deep link whose state does not match the pending sign-in (forged, stale or repeated)")
)
