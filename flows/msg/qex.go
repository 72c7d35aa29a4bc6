package msg

// QEX partner sessions.
var (
	QEXAnswered     = define("qex.answered", `{{.Call}} failed: the server answered HTTP {{.Status}}: {{printf "%q" .Said}}`)
	QEXMalformed    = define("qex.malformed", "{{.Call}} failed: the server's answer (HTTP {{.Status}}) is not QEX API JSON: {{.Reason}}; check the API base URL")
	QEXNoSession    = define("qex.no-session", "no session to sign with")
	QEXSecretKey    = define("qex.secret-key", "this is a secret key (sk_…), not the public one: give the public key (pk_…) and keep the secret key private")
	QEXNotPublicKey = define("qex.not-public-key", `{{printf "%q" .Key}} is not a public API key: they start with pk_ and have {{.Min}} to {{.Max}} letters, digits, _ or -`)
	QEXLongKey      = define("qex.long-key", "a {{.Length}}-character key is not a public API key: they start with pk_ and have {{.Min}} to {{.Max}} letters, digits, _ or -")
	QEXGone         = define("qex.gone", "the session is gone ({{.Err}})")
	QEXUnreadable   = define("qex.unreadable", "the saved session is unreadable")
	// The server refusing to create a session: Said is its status and words.
	QEXKeyRefused = define("qex.key-refused", "{{.Call}} failed: the server refused the public API key ({{.Said}}); check --public-api-key or the key field")
	QEXNoAPI      = define("qex.no-api", "{{.Call}} failed: no QEX API at {{.Base}} ({{.Said}}); check the API base URL")
	QEXBusy       = define("qex.busy", "{{.Call}} failed: the server is busy ({{.Said}}); {{.Retry}}")
	QEXFailed     = define("qex.failed", "{{.Call}} failed: the QEX server failed ({{.Said}}); try again later")

	// Why an answer is not the documented JSON.
	NoSuccessField = define("json.no-success", `it has no "success" field`)
	NotJSONType    = define("json.not-json", "it is {{.Type}}, not JSON")
	PayloadMissing = define("json.payload-missing", "payload is missing")
	PayloadBad     = define("json.payload", "payload: {{.Reason}}")
	PayloadNotTrue = define("json.payload-not-true", "payload is not true")
	FieldType      = define("json.field-type", `field {{printf "%q" .Field}} has a JSON {{.Value}} where a {{.Type}} was expected`)
	JSONError      = define("json.error", "{{.Err}}")
	Missing        = define("json.missing", "{{.Field}} is missing")
	// Or names one of two things: "session_id or session_secret".
	Or = define("json.or", "{{.A}} or {{.B}}")
)

// Amounts and the accounts lists every provider decodes.
var (
	DecimalWant    = define("json.decimal-want", "want a string, a number or null, got {{.Got}}")
	IDReason       = define("json.id", "id: {{.Err}}")
	AccountsShape  = define("json.accounts-shape", "it is not an object with crypto_accounts and fiat_accounts")
	AccountsNoList = define("json.accounts-no-list", "it has no {{.Lists}} list")
)
