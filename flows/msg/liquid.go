package msg

import "time"

// Advice shared by the providers' refusals: what to do about an answer.
var (
	CheckAPIBase      = define("advice.check-api-base", "check the API base URL")
	ServerFailedLater = define("advice.server-failed", "the server failed: try again later")
	RefusedInvalid    = define("advice.refused-invalid", "the request was refused as invalid")
	RetryInMinute     = define("advice.retry-minute", "try again in a minute")
	RetryIn           = define("advice.retry-in", "try again in {{.After}}")
	NoSuchEndpoint    = define("advice.no-endpoint", "no such endpoint: check the API base URL")
	RateLimited       = define("advice.rate-limited", "rate limited: {{.Retry}}")
	PathNoSlash       = define("call.path-no-slash", `{{.Call}}: path {{printf "%q" .Path}} must start with /`)

	// Why an answer is not the documented JSON (more under qex.go).
	FieldReason   = define("json.field-reason", "{{.Field}}: {{.Reason}}")
	NotHTTPURL    = define("json.not-http-url", "{{.Field}} is not an http(s) URL")
	HoldsControl  = define("json.holds-control", "{{.Field}} holds control or bidirectional characters")
	NotEpochOrISO = define("json.not-epoch-or-iso", `{{printf "%q" .Value}} is neither epoch seconds nor an ISO 8601 time`)
	NotANumber    = define("json.not-a-number", "a field that must be a number (such as user_id) holds something else")
)

// Liquid OAuth requests.
var (
	LiquidAnswered     = define("liquid.answered", `{{.Call}} failed: the server answered HTTP {{.Status}}: {{printf "%q" .Said}}; {{.Advice}}`)
	LiquidMalformed    = define("liquid.malformed", "{{.Call}} failed: the server's answer (HTTP {{.Status}}) is not Liquid API JSON: {{.Reason}}; check the API base URL")
	LiquidCheckToken   = define("liquid.check-token", "check the API token id and secret")
	LiquidNotApproved  = define("liquid.not-approved", "the OAuth request is not approved, was denied or has expired: start again")
	LiquidRateLimited  = define("liquid.rate-limited", "rate limited (300 requests per 5 minutes): {{.Retry}}")
	LiquidMaintenance  = define("liquid.maintenance", "Liquid is unavailable (maintenance): {{.Retry}}")
	LiquidNoEndpoint   = define("liquid.no-endpoint", "no such endpoint: check the API base URL and the path")
	LiquidDenied       = define("liquid.denied", `the OAuth request was denied on Liquid ({{printf "%q" .Said}}); approve it to connect, or start again`)
	LiquidExpired      = define("liquid.expired", `the OAuth request expired ({{printf "%q" .Said}})`)
	LiquidExpiredAt    = define("liquid.expired-at", "the OAuth request expired at {{.At}} before it was approved; start again")
	LiquidBadTokenID   = define("liquid.bad-token-id", "the API token id is a number or a short code with no spaces, e.g. 123456")
	LiquidBadSecret    = define("liquid.bad-secret", "the API token secret is one line of at most 512 characters: paste it again")
	LiquidNoToken      = define("liquid.no-token", "no API token to sign with: give the token id and secret")
	LiquidUnreadable   = define("liquid.unreadable", "the saved OAuth request is unreadable")
	LiquidAccountsGone = define("liquid.accounts-missing", "crypto_accounts or fiat_accounts is missing")
)

// RetryAfter is the advice for a server that asked to wait d (zero: it
// did not say).
func RetryAfter(d time.Duration) Message {
	if d <= 0 {
		return RetryInMinute.New(nil)
	}
	return RetryIn.New(Args{"After": d.Round(time.Second)})
}

// LiquidCommerce API-key tokens.
var (
	CommerceAnswered    = define("commerce.answered", `{{.Call}} failed: the server answered HTTP {{.Status}}: {{printf "%q" .Said}}; {{.Advice}}`)
	CommerceAnsweredID  = define("commerce.answered-id", `{{.Call}} failed: the server answered HTTP {{.Status}}: {{printf "%q" .Said}}; {{.Advice}} (request id {{.RequestID}})`)
	CommerceMalformed   = define("commerce.malformed", "{{.Call}} failed: the server's answer (HTTP {{.Status}}) is not LiquidCommerce API JSON: {{.Reason}}; check the API base URL")
	CommerceCheckKey    = define("commerce.check-key", "check the API key (${{.EnvVar}})")
	CommerceUnavailable = define("commerce.unavailable", "the service is unavailable: {{.Retry}}")
	CommerceNoKey       = define("commerce.no-key", "no LiquidCommerce API key: set ${{.EnvVar}} or enter it")
	CommerceEnterKey    = define("commerce.enter-key", "enter the LiquidCommerce API key, or set ${{.EnvVar}}")
	CommerceBadKey      = define("commerce.bad-key", "the LiquidCommerce API key is one word of at most 512 characters, with no spaces: paste it again")
	CommerceUnreadable  = define("commerce.unreadable", "the saved LiquidCommerce token is unreadable")
	CommerceOtherKey    = define("commerce.other-key", "the saved token was bought with another API key")
	CommerceRenewFailed = define("commerce.renew-failed", "the access token was refused and renewing it failed ({{.Err}})")
	CommerceKeyRefused  = define("commerce.key-refused", "the token expired and the API key was refused ({{.Err}}); check ${{.EnvVar}}")
	CommerceRequest     = define("commerce.request", "(request {{.ID}})")
	CommerceNotAuth     = define("commerce.not-auth", "data is not the documented auth object")
	CommerceBadExp      = define("commerce.bad-exp", "exp is not a whole number of epoch milliseconds")
	CommerceBadToken    = define("commerce.bad-token", "token is missing or is not one printable word")
	CommercePastExp     = define("commerce.past-exp", "exp {{.Exp}} is not in the future (epoch milliseconds expected)")
	NotJSONObject       = define("json.not-object", "it is not a JSON object")
)
