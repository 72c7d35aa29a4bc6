package msg

// The HTTP layer every provider shares: a call that got no answer, an API
// base that is not one, an answer too large.
var (
	CallTimedOut  = define("call.timed-out", "{{.Call}} failed: {{.Host}} did not answer in time")
	CallCancelled = define("call.cancelled", "{{.Call}} cancelled: context canceled")
	// Setting is the setting that chose the server (a Setting… kind):
	// what to check.
	CallRedirectLoop   = define("call.redirect-loop", "{{.Call}} failed: {{.Host}} kept redirecting (more than {{.Max}} times); check {{.Setting}}: it must be the server's own address, not one that redirects")
	CallRedirectedAway = define("call.redirected-away", "{{.Call}} failed: {{.Host}} redirected it elsewhere ({{.Target}}), where the app does not follow with your credentials; if that address is the right one, use it as {{.Setting}} instead")
	CallNoSuchHost     = define("call.no-such-host", "{{.Call}} failed: the host name {{.Host}} cannot be found; check {{.Setting}} and your network")
	CallRefused        = define("call.refused", "{{.Call}} failed: nothing answers at {{.Host}} (connection refused); check {{.Setting}}, or start the server")
	CallUntrusted      = define("call.untrusted", "{{.Call}} failed: {{.Host}}'s TLS certificate is not trusted; check {{.Setting}}")
	CallUnreachable    = define("call.unreachable", "{{.Call}} failed: cannot reach {{.URL}} ({{.Err}}); check {{.Setting}} and your network")
	// CallFailed is a call that failed for Err, which says why.
	CallFailed = define("call.failed", "{{.Call}} failed: {{.Err}}")

	// The settings that choose a server, as a failure to reach it names them.
	SettingAPIBase      = define("setting.api-base", "the API base URL")
	SettingBroker       = define("setting.broker", "the broker URL")
	SettingExchangeBase = define("setting.exchange-base", "the broker's --exchange-base")

	TooLarge = define("body.too-large", "it is larger than {{.Limit}}")

	BaseIPv6    = define("base.ipv6", `API base {{printf "%q" .Base}}: an IPv6 address goes in brackets, e.g. http://[::1]:8080`)
	BaseNotURL  = define("base.not-url", `API base {{printf "%q" .Base}} is not an http(s) URL such as {{.Example}}`)
	BaseExtras  = define("base.extras", `API base {{printf "%q" .Base}} must not carry a query, fragment or user info`)
	BaseBadPort = define("base.bad-port", `API base {{printf "%q" .Base}}: the port must be a number from 1 to 65535`)
	BaseBadHost = define("base.bad-host", `API base {{printf "%q" .Base}}: {{printf "%q" .Host}} is not a host name or IP address`)
)

// The calls the providers make, named in messages as "{{.Call}} failed".
// Call returns the kind naming one, or name itself when it is no words
// (a method and a path).
var calls = map[string]Kind{}

func defineCall(name string) Kind {
	k := define("call-name."+slug(name), name)
	calls[name] = k
	return k
}

// Call is what a message names call by: its kind when the catalogue has
// one, the name as it is otherwise ("GET /api/v2/members/me").
func Call(name string) any {
	if k, ok := calls[name]; ok {
		return k
	}
	return name
}

func init() {
	for _, name := range []string{
		// QEX
		"create session", "fetch accounts", "fetch KYC state", "terminate session", "list settlement currencies",
		// Liquid
		"create OAuth request", "fetch user context",
		// OAuth 2.0
		"exchange the authorization code", "refresh the access token", "get a client-credentials token", "introspect the access token",
		// LiquidCommerce
		"authenticate with the API key",
		// EXchange and its token broker
		"start the sign-in", "refresh the user token", "revoke the sign-in",
		"the token broker call to start the sign-in", "the token broker call to exchange the authorization code", "the token broker call to refresh the user token", "the token broker call to revoke the sign-in", "read the member (GET /api/v2/members/me)",
	} {
		defineCall(name)
	}
}
