package msg

// EXchange OAuth through a token broker.
var (
	BrokerURL          = define("broker.url", "the broker is the URL of your partner's token broker, such as {{.Example}}, with no query")
	BrokerAnswered     = define("broker.answered", "could not {{.Call}}: the token broker answered HTTP {{.Status}} ({{.Said}}); {{.Advice}}")
	BrokerForgot       = define("broker.forgot", "the broker no longer knows this sign-in (revoked or forgotten): connect again")
	BrokerMalformedReq = define("broker.malformed-request", "the broker refused the request as malformed: check the broker URL and the scope")
	BrokerExchangeErr  = define("broker.exchange-error", "EXchange refused it: connect again, or ask the broker's operator")
	BrokerExchangeLate = define("broker.exchange-timeout", "EXchange did not answer the broker in time: try again later")
	BrokerNone         = define("broker.none", "no token broker answers there: check the broker URL")
	BrokerFailed       = define("broker.failed", "the broker failed: try again later")
	BrokerCheckURL     = define("broker.check-url", "check the broker URL")
	BrokerTooLong      = define("broker.too-long", "could not {{.Call}}: the token broker's answer (HTTP {{.Status}}) is too long: {{.Err}}; check the broker URL")
	BrokerNotJSON      = define("broker.not-json", "could not {{.Call}}: the answer (HTTP {{.Status}}) is not the token broker's JSON; check the broker URL")
	BrokerBadToken     = define("broker.bad-token", "could not {{.Call}}: {{.Err}} in the broker's answer; check the broker URL")
	BrokerNoGrant      = define("broker.no-grant", "could not {{.Call}}: the broker's answer has no grant; check the broker URL")
	BrokerBadAuthorize = define("broker.bad-authorize", "could not {{.Call}}: the broker's authorize_url is not a web address; check the broker URL")

	ExchangeBadUserToken = define("exchange.bad-user-token", "the user token is not <access_key>:<secret_key>")
	ExchangeNotAPIPath   = define("exchange.not-api-path", `{{printf "%q" .Path}} is not an API path such as /api/v2/members/me`)
	ExchangeBadQuery     = define("exchange.bad-query", `the query of {{printf "%q" .Path}} cannot be read: {{.Err}}`)
	ExchangeCodeAdvice   = define("exchange.code-advice", "{{.Call}} failed: {{.Advice}}")
	ExchangeAnswered     = define("exchange.answered", "{{.Call}} failed: EXchange answered HTTP {{.Status}}: {{.Said}}; {{.Advice}}")
	ExchangeCheckCall    = define("exchange.check-call", "check the API base URL and the call")
	ExchangeFailed       = define("exchange.failed", "EXchange failed: try again later")
	ExchangeNotMember    = define("exchange.not-member", "{{.Call}} failed: the answer is not an APIv2 member {sn, name, email, accounts}; check the API base URL")
	ExchangeNotDecimal   = define("exchange.not-decimal", "{{.Call}} failed: {{if .Currency}}the {{.Currency}} account's balance or locked amount{{else}}the balance or locked amount of account {{.N}} (it has no currency){{end}} is not a decimal number; check the API base URL")
	ExchangeNotRenewed   = define("exchange.not-renewed", "{{.Call}} failed: the access key expired (2010) and could not be renewed: {{.Err}}")
	ExchangeBadScope     = define("exchange.bad-scope", "the scope is some of profile, history and trade, separated by spaces, e.g. profile history trade")
	ExchangeNoCode       = define("exchange.no-code", "the browser came back from EXchange without an authorization code: start again")
	ExchangeNeedsReturn  = define("exchange.needs-return", "EXchange sends the browser back with a code: use the loopback or deep-link callback, not none")
	ExchangeAwaiting     = define("exchange.awaiting", "waiting for the browser to come back from EXchange")
	ExchangeUnreadable   = define("exchange.unreadable", "the saved EXchange session is unreadable")

	// The APIv2 error codes the app acts on, by code.
	ExchangeCodes = map[int]Kind{
		2001: define("exchange.2001", "authorization failed (2001): the call was not signed as APIv2 wants; sign in again"),
		2005: define("exchange.2005", "the signature was refused (2005): the saved secret key does not match its access key; sign out and connect again"),
		2006: define("exchange.2006", "the tonce was already used (2006): another program is using the same access key; try again"),
		2007: define("exchange.2007", "the tonce is not within 30 seconds of EXchange's clock (2007): set this computer's clock right and try again"),
		2008: define("exchange.2008", "EXchange does not know the access key (2008): it was revoked; sign out and connect again"),
		2009: define("exchange.2009", "the access key is disabled (2009): API access is turned off for this EXchange account; turn it on in EXchange's settings"),
		2010: define("exchange.2010", "the access key has expired (2010) and the token broker could not renew it: connect again"),
		2011: define("exchange.2011", "the call is out of the token's scopes (2011): connect again with the scope it needs (profile, history or trade)"),
	}
)
