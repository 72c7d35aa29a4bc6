package hostile_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/liquidcommerce"
	"github.com/qexcompanion/qex-companion/flows/oauth2"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/hostile"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/testdeadline"
)

// The secrets the hostile servers issue or the app is given: they must
// never be shown, whatever goes wrong.
const (
	sessionSecret   = "hostile-session-secret-7f3a9c" // QEX
	liquidSecret    = "hostile-token-secret-b81e40"   // Liquid's API token
	liquidPrivateID = "hostile-oauth-private-id-5d2c" // Liquid's OAuth request
	accessToken     = "hostile-access-token-3e9d17"   // OAuth 2.0 and LiquidCommerce
	refreshToken    = "hostile-refresh-token-c4a2b8"  // OAuth 2.0
	authCode        = "hostile-authorization-code-6f0e"
	clientSecret    = "hostile-client-secret-a7d3"
	commerceAPIKey  = "hostile-api-key-2b9c54"
	exchangeSecret  = "hostile-secret-key-91d6e0"   // EXchange's user token: <access>:<secret>
	grantSecret     = "hostile-grant-secret-0c5f7a" // the token broker's grant
)

// secrets are scanned for in everything a case shows, with the PKCE
// verifier the app sends, which each case adds, and any JWT (jwtShape).
var secrets = []string{sessionSecret, liquidSecret, liquidPrivateID, accessToken, refreshToken, authCode, clientSecret, commerceAPIKey, exchangeSecret, grantSecret}

// jwtShape is a JWT's header and claims (Liquid's X-Quoine-Auth is one):
// both are base64url JSON objects, so both start "eyJ". A bare "eyJ" is not
// enough: a random state or code challenge holds it now and then.
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*`)

// flowTimeout is the --timeout of every case. A case the app waits out
// (the server may recover) does not wait for it: its deadline passes as
// soon as the app has met the fault (see deadline), so the clock decides
// nothing, however loaded the machine.
const flowTimeout = time.Minute

// maxHeapGrowth bounds the heap a case may add: well under the 50 MB body
// a server sends, well over the 8 MiB a response may be.
const maxHeapGrowth = 40 << 20

// provider is a provider under test: how its API answers, and what the
// app is given to reach it.
type provider struct {
	flows.Provider
	dialect hostile.Dialect
	inputs  flows.Inputs
}

var (
	qexProvider    = &provider{qex.Provider{}, hostile.QEX, flows.Inputs{qex.FieldPublicAPIKey: "pk_hostile_test"}}
	liquidProvider = &provider{liquid.Provider{}, hostile.Liquid, flows.Inputs{liquid.FieldTokenID: "4242", liquid.FieldTokenSecret: liquidSecret}}
	// The OAuth 2.0 service's two grants are two providers: each has its
	// own calls, though they share the token endpoint.
	oauth2Code   = &provider{oauth2.Provider{}, hostile.OAuth2, flows.Inputs{oauth2.FieldClientID: "application_client", oauth2.FieldGrant: oauth2.GrantCode}}
	oauth2Client = &provider{oauth2.Provider{}, hostile.OAuth2, flows.Inputs{oauth2.FieldClientID: "application_client",
		oauth2.FieldGrant: oauth2.GrantClientCredentials, oauth2.FieldClientSecret: clientSecret}}
	commerceProvider = &provider{liquidcommerce.Provider{}, hostile.LiquidCommerce, flows.Inputs{liquidcommerce.FieldAPIKey: commerceAPIKey}}
	// EXchange's token broker is served by the same hostile server.
	exchangeProvider = &provider{exchange.Provider{}, hostile.Peatio, flows.Inputs{exchange.FieldBroker: serverURL}}
)

// serverURL in inputs or payloads stands for the hostile server's URL;
// authorizeURL in a payload, for an authorization page that sends the
// browser back to the redirect_uri and state the request's JSON body named.
const (
	serverURL    = "{server}"
	authorizeURL = "{authorize_url}"
)

// call is one call of a provider, with what the app must say when the
// server answers it with each fault. A fault missing from want is not run
// for the call; "" means the flow must succeed (and show clean text).
type call struct {
	provider *provider
	name     string
	route    string // the ServeMux pattern
	// dialect, when set, is the call's, not the provider's (the token
	// broker's calls).
	dialect hostile.Dialect
	payload map[hostile.Fault]string // JSON payloads: hostile.None and the shapes
	want    map[hostile.Fault]string
}

const accountsJSON = `{"crypto_accounts": [{"id": 1, "currency": "BTC", "currency_symbol": "₿", "balance": "0.06", "reserved_balance": "0.0", "currency_type": "crypto"}], "fiat_accounts": []}`

// accountsPayload is the accounts JSON of both providers.
var accountsPayload = map[hostile.Fault]string{
	hostile.None:          accountsJSON,
	hostile.MissingFields: `{"crypto_accounts": []}`,
	hostile.Nulls:         `{"crypto_accounts": [{"id": null, "currency": "BTC", "currency_symbol": null, "balance": null, "reserved_balance": null, "pusher_channel": null, "currency_type": "crypto"}], "fiat_accounts": null}`,
	hostile.NotNumbers:    `{"crypto_accounts": [{"currency": "BTC", "balance": "abc", "reserved_balance": "NaN"}], "fiat_accounts": [{"currency": "USD", "balance": "1,000.00", "reserved_balance": 1e400}]}`,
	hostile.Escapes:       `{"crypto_accounts": [{"currency": "\u001b[2JBTC", "currency_symbol": "\u001b]0;pwned\u0007₿", "balance": "0.06", "reserved_balance": "0", "currency_type": "crypto\u202e"}], "fiat_accounts": []}`,
}

// liquidUserContext is /user/context: the approval check, then the profile.
var liquidUserContext = map[hostile.Fault]string{
	hostile.None:          `{"user_id": 1111, "token_id": 4242, "trading_account_ids": [7], "app_vendor_id": 3, "country": "JP", "status": "approved", "currency": "JPY", "language": "ja", "user_type": "individual", "has_proof_address": true, "has_id_document": true, "avatar": null, "affiliate_code": "aff-1", "is_fully_verified": true, "email_confirmed_at": 1731590739, "declined_reason": null, "modules": {"trading": ["spot"]}, "first_name": "Hanako", "last_name": "Yamada", "email": "hanako@example.jp", "permissions": ["read"]}`,
	hostile.MissingFields: `{"first_name": "Hanako", "email": "hanako@example.jp"}`,
	hostile.Nulls:         `{"user_id": 1111, "token_id": null, "trading_account_ids": null, "app_vendor_id": null, "country": null, "status": null, "currency": null, "language": null, "user_type": null, "has_proof_address": null, "has_id_document": null, "avatar": null, "affiliate_code": null, "is_fully_verified": null, "email_confirmed_at": null, "declined_reason": null, "modules": null, "first_name": null, "last_name": null, "email": null, "permissions": null}`,
	hostile.NotNumbers:    `{"user_id": "eleven", "first_name": "Hanako"}`,
	hostile.Escapes:       `{"user_id": 1111, "country": "JP\u202e", "status": "\u001b[2Japproved", "first_name": "\u001b]0;pwned\u0007Hanako", "last_name": "Yamada\u0007", "email": "hanako@example.jp\u001b[8m"}`,
}

// liquidExpires is the OAuth request's expiry: 2100-01-01, epoch seconds.
const liquidExpires = "4102444800"

// liquidCreated is a created OAuth request.
const liquidCreated = `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/pub-1", "api_challenge_href": "http://liquid.example/api/oauth/pub-1"}`

// oauth2Token is a token endpoint's answer.
var oauth2Token = map[hostile.Fault]string{
	hostile.None:          `{"access_token": "` + accessToken + `", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "` + refreshToken + `", "scope": "delegated:all"}`,
	hostile.MissingFields: `{"token_type": "Bearer", "expires_in": 3600}`,
	hostile.Nulls:         `{"access_token": null, "token_type": null, "expires_in": null, "refresh_token": null, "scope": null}`,
	hostile.NotNumbers:    `{"access_token": "` + accessToken + `", "token_type": "Bearer", "expires_in": "an hour"}`,
	hostile.Escapes:       `{"access_token": "` + accessToken + `", "token_type": "\u001b[2JBearer\u202e", "expires_in": 3600, "scope": "\u001b]0;pwned\u0007delegated:all"}`,
}

// commerceAuth is the auth object in /authentication's data; its exp is
// 2100-01-01 in epoch milliseconds.
var commerceAuth = map[hostile.Fault]string{
	hostile.None:          `{"token": "` + accessToken + `", "type": "ACCESS_TOKEN", "exp": 4102444800000}`,
	hostile.MissingFields: `{"type": "ACCESS_TOKEN"}`,
	hostile.Nulls:         `{"token": null, "type": null, "exp": null}`,
	hostile.NotNumbers:    `{"token": "` + accessToken + `", "type": "ACCESS_TOKEN", "exp": "tomorrow"}`,
	hostile.Escapes:       `{"token": "` + accessToken + `", "type": "\u001b[2JACCESS_TOKEN\u202e", "exp": 4102444800000}`,
}

// calls lists every call of every provider the app talks to. Adding one is
// one entry here.
var calls = []call{{
	provider: qexProvider,
	name:     "QEX create session",
	route:    "POST /api/v1/session",
	payload: map[hostile.Fault]string{
		hostile.None:          `{"session_id": "s-1", "session_secret": "` + sessionSecret + `", "environment": "SANDBOX"}`,
		hostile.MissingFields: `{"session_id": "s-1"}`,
		hostile.Nulls:         `{"session_id": "s-1", "session_secret": null, "environment": null}`,
		hostile.Escapes:       `{"session_id": "s-1", "session_secret": "` + sessionSecret + `", "environment": "\u001b[2J\u001b]0;pwned\u0007SANDBOX\u202e"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "create session failed: the QEX server failed (HTTP 500); try again later",
		hostile.RateLimited:   `create session failed: the server is busy (HTTP 429: "Too many requests.")`,
		hostile.Unauthorized:  "the server refused the public API key (HTTP 401",
		hostile.NotFound:      "create session failed: no QEX API at http://127.0.0.1:",
		hostile.Hang:          "timed out after 1m0s: create session failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: create session failed: 127.0.0.1:",
		hostile.BadJSON:       "is not QEX API JSON: unexpected end of JSON input",
		hostile.Refused:       `create session failed: the server answered HTTP 200: "[2J ]0;pwned Refused by the hostile server"`,
		hostile.Huge:          "is not QEX API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "is not QEX API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "kept redirecting (more than 5 times); check the API base URL: it must be the server's own address, not one that redirects",
		hostile.MissingFields: "session_id or session_secret is missing",
		hostile.Nulls:         "session_id or session_secret is missing",
		hostile.Escapes:       "",
	},
}, {
	provider: qexProvider,
	name:     "QEX accounts",
	route:    "GET /api/v1/session/{id}/accounts",
	payload:  accountsPayload,
	want: map[hostile.Fault]string{
		hostile.ServerError:   "timed out after 1m0s: the last check failed: fetch accounts failed: the server answered HTTP 500",
		hostile.RateLimited:   `timed out after 1m0s: the last check failed: fetch accounts failed: the server answered HTTP 429: "Too many requests."`,
		hostile.Unauthorized:  "timed out: no approval within 1m0s; start again and approve in the browser",
		hostile.NotFound:      "the session is gone (fetch accounts failed: the server answered HTTP 404",
		hostile.Hang:          "timed out after 1m0s: the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch accounts failed: the server's answer (HTTP 200) is not QEX API JSON",
		hostile.Refused:       `fetch accounts failed: the server answered HTTP 200: "[2J ]0;pwned Refused by the hostile server"`,
		hostile.Huge:          "fetch accounts failed: the server's answer (HTTP 200) is not QEX API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "is not QEX API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.MissingFields: "payload: it has no fiat_accounts list",
		hostile.Nulls:         "",
		hostile.NotNumbers:    "the server sent 4 amounts that are not decimal numbers",
		hostile.Escapes:       "",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid create OAuth request",
	route:    "POST /system/oauth_requests",
	payload: map[hostile.Fault]string{
		hostile.None:          liquidCreated,
		hostile.MissingFields: `{"oauth_request_public_id": "pub-1", "app_challenge_href": "http://liquid.example/oauth/pub-1"}`,
		hostile.Nulls:         `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": null, "app_challenge_href": null, "api_challenge_href": null}`,
		hostile.NotNumbers:    `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": "soon", "app_challenge_href": "http://liquid.example/oauth/pub-1"}`,
		hostile.Escapes:       `{"oauth_request_public_id": "\u001b[2Jpub-1\u202e", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/pub-1", "api_challenge_href": "\u001b]0;pwned\u0007"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   `create OAuth request failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `create OAuth request failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  `create OAuth request failed: the server answered HTTP 401: "Not authorized."; check the API token id and secret`,
		hostile.NotFound:      `create OAuth request failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1m0s: create OAuth request failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: create OAuth request failed: 127.0.0.1:",
		hostile.BadJSON:       "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input; check the API base URL",
		hostile.Refused:       `create OAuth request failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "create OAuth request failed: 127.0.0.1:",
		hostile.MissingFields: "oauth_request_public_id or oauth_request_private_id is missing; check the API base URL",
		hostile.Nulls:         "app_challenge_href is not an http(s) URL; check the API base URL",
		hostile.NotNumbers:    `expires: "soon" is neither epoch seconds nor an ISO 8601 time; check the API base URL`,
		hostile.Escapes:       "",
	},
}, {
	// The approval link is shown as it is, so the app must refuse one that
	// a bidirectional override would make read as another address.
	provider: liquidProvider,
	name:     "Liquid approval link",
	route:    "POST /system/oauth_requests",
	payload: map[hostile.Fault]string{
		hostile.None:    liquidCreated,
		hostile.Escapes: `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/\u202e1-bup/moc.elgoog"}`,
	},
	want: map[hostile.Fault]string{
		hostile.Escapes: "app_challenge_href holds control or bidirectional characters; check the API base URL",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid approval check",
	route:    "GET /user/context",
	payload:  liquidUserContext,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `timed out after 1m0s: the last check failed: fetch user context failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `timed out after 1m0s: the last check failed: fetch user context failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  "timed out: no approval within 1m0s; start again and approve in the browser",
		hostile.NotFound:      `fetch user context failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1m0s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input; check the API base URL",
		hostile.Refused:       `fetch user context failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "timed out after 1m0s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.MissingFields: "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: user_id is missing",
		hostile.Nulls:         "",
		hostile.NotNumbers:    "a field that must be a number (such as user_id) holds something else; check the API base URL",
		hostile.Escapes:       "",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid accounts",
	route:    "GET /accounts",
	payload:  accountsPayload,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `fetch accounts failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `fetch accounts failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  `fetch accounts failed: the server answered HTTP 401: "Not authorized."; the OAuth request is not approved, was denied or has expired: start again`,
		hostile.NotFound:      `fetch accounts failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1m0s: fetch accounts failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: fetch accounts failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input",
		hostile.Refused:       `fetch accounts failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "fetch accounts failed: 127.0.0.1:",
		hostile.MissingFields: "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: crypto_accounts or fiat_accounts is missing",
		hostile.Nulls:         "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: crypto_accounts or fiat_accounts is missing",
		hostile.NotNumbers:    "the server sent 4 amounts that are not decimal numbers",
		hostile.Escapes:       "",
	},
}, {
	provider: oauth2Code,
	name:     "OAuth 2.0 code exchange",
	route:    "POST /oauth/token",
	payload:  oauth2Token,
	want: map[hostile.Fault]string{
		hostile.ServerError:   "timed out after 1m0s: the last check failed: could not exchange the authorization code: the server answered HTTP 500 (Internal Server Error); the server failed: try again later",
		hostile.RateLimited:   "could not exchange the authorization code: the server answered HTTP 429 (invalid_request: Too many requests.); rate limited: try again in 1s",
		hostile.Unauthorized:  "could not exchange the authorization code: the server answered HTTP 401 (invalid_client: Not authorized.); check the client id",
		hostile.NotFound:      "could not exchange the authorization code: the server answered HTTP 404 (Not Found); no OAuth 2.0 service answers there: check the API base URL",
		hostile.Hang:          "timed out after 1m0s: the last check failed: exchange the authorization code failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: the last check failed: exchange the authorization code failed: 127.0.0.1:",
		hostile.BadJSON:       "could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is not the documented token JSON (unexpected end of JSON input); check the API base URL",
		hostile.Refused:       "could not exchange the authorization code: the server answered HTTP 400 (invalid_request: [2J ]0;pwned Refused by the hostile server); check the client id, scope and API base URL",
		hostile.Huge:          "could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is larger than 64 KiB; check the API base URL",
		hostile.WrongType:     "could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is text/html, not JSON; check the API base URL",
		hostile.RedirectLoop:  "exchange the authorization code failed: 127.0.0.1:",
		hostile.MissingFields: "could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: access_token is missing; check the API base URL",
		hostile.Nulls:         "could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: access_token is missing; check the API base URL",
		hostile.NotNumbers:    `could not exchange the authorization code: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is not the documented token JSON (invalid number literal, trying to unmarshal "\"an hour\"" into Number)`,
		hostile.Escapes:       "",
	},
}, {
	provider: oauth2Code,
	name:     "OAuth 2.0 introspect",
	route:    "POST /oauth/token/introspect",
	payload: map[hostile.Fault]string{
		hostile.None:          `{"ok": 1, "data": {"tokenInfo": {"accessToken": "` + accessToken + `", "accessTokenExpiresAt": "2100-01-01T00:00:00.000Z", "scope": "delegated:all", "user": {"_id": "507f1f77bcf86cd799439011", "username": "john_doe", "firstName": "John", "lastName": "Doe", "role": "user", "verified": true, "email": "johndoe@example.com"}}}}`,
		hostile.MissingFields: `{"ok": 1, "data": {}}`,
		hostile.Nulls:         `{"ok": 1, "data": {"tokenInfo": {"accessToken": null, "accessTokenExpiresAt": null, "scope": null, "user": null}}}`,
		hostile.NotNumbers:    `{"ok": "yes", "data": {"tokenInfo": {"accessTokenExpiresAt": 1731590739, "scope": "delegated:all", "user": {"_id": 507, "verified": "yes"}}}}`,
		hostile.Escapes:       `{"ok": 1, "data": {"tokenInfo": {"accessToken": "` + accessToken + `", "accessTokenExpiresAt": "2100-01-01T00:00:00.000Z", "scope": "delegated:all\u202e", "user": {"_id": "\u001b[2J507", "username": "john\u0007", "firstName": "\u001b]0;pwned\u0007John", "lastName": "Doe\u202e", "role": "user\u001b[8m", "email": "john@example.com\u2028"}}}}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "could not introspect the access token: the server answered HTTP 500 (Internal Server Error); the server failed: try again later",
		hostile.RateLimited:   "could not introspect the access token: the server answered HTTP 429 (invalid_request: Too many requests.); rate limited: try again in 1s",
		hostile.Unauthorized:  "could not introspect the access token: the server does not accept the access token (unknown, expired or revoked): approve again",
		hostile.NotFound:      "could not introspect the access token: the server answered HTTP 404 (Not Found); no OAuth 2.0 service answers there: check the API base URL",
		hostile.Hang:          "timed out after 1m0s: introspect the access token failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: introspect the access token failed: 127.0.0.1:",
		hostile.BadJSON:       `could not introspect the access token: the answer is not {"ok": 1, "data": {"tokenInfo": ...}}; check the API base URL`,
		hostile.Refused:       "could not introspect the access token: the server answered HTTP 400 (invalid_request: [2J ]0;pwned Refused by the hostile server); check the client id, scope and API base URL",
		hostile.Huge:          "introspect the access token failed: the server's answer (HTTP 200) is too long: it is larger than 8 MiB; check the API base URL",
		hostile.WrongType:     `could not introspect the access token: the answer is not {"ok": 1, "data": {"tokenInfo": ...}}; check the API base URL`,
		hostile.RedirectLoop:  "introspect the access token failed: 127.0.0.1:",
		hostile.MissingFields: `could not introspect the access token: the answer is not {"ok": 1, "data": {"tokenInfo": ...}}; check the API base URL`,
		hostile.Nulls:         "",
		hostile.NotNumbers:    `could not introspect the access token: the answer is not {"ok": 1, "data": {"tokenInfo": ...}}; check the API base URL`,
		hostile.Escapes:       "",
	},
}, {
	provider: oauth2Client,
	name:     "OAuth 2.0 client credentials",
	route:    "POST /oauth/token",
	payload:  oauth2Token,
	want: map[hostile.Fault]string{
		hostile.ServerError:   "could not get a client-credentials token: the server answered HTTP 500 (Internal Server Error); the server failed: try again later",
		hostile.RateLimited:   "could not get a client-credentials token: the server answered HTTP 429 (invalid_request: Too many requests.); rate limited: try again in 1s",
		hostile.Unauthorized:  "could not get a client-credentials token: the server answered HTTP 401 (invalid_client: Not authorized.); check the client id and $LIQUID_CLIENT_SECRET",
		hostile.NotFound:      "could not get a client-credentials token: the server answered HTTP 404 (Not Found); no OAuth 2.0 service answers there: check the API base URL",
		hostile.Hang:          "timed out after 1m0s: get a client-credentials token failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: get a client-credentials token failed: 127.0.0.1:",
		hostile.BadJSON:       "could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is not the documented token JSON (unexpected end of JSON input); check the API base URL",
		hostile.Refused:       "could not get a client-credentials token: the server answered HTTP 400 (invalid_request: [2J ]0;pwned Refused by the hostile server); check the client id, scope and API base URL",
		hostile.Huge:          "could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is larger than 64 KiB; check the API base URL",
		hostile.WrongType:     "could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is text/html, not JSON; check the API base URL",
		hostile.RedirectLoop:  "get a client-credentials token failed: 127.0.0.1:",
		hostile.MissingFields: "could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: access_token is missing; check the API base URL",
		hostile.Nulls:         "could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: access_token is missing; check the API base URL",
		hostile.NotNumbers:    `could not get a client-credentials token: the server's answer (HTTP 200) is not an OAuth 2.0 token: it is not the documented token JSON (invalid number literal, trying to unmarshal "\"an hour\"" into Number)`,
		hostile.Escapes:       "",
	},
}, {
	provider: commerceProvider,
	name:     "LiquidCommerce authenticate",
	route:    "GET /authentication",
	payload:  commerceAuth,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `authenticate with the API key failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `authenticate with the API key failed: the server answered HTTP 429: "Too many requests."; rate limited: try again in 1s (request id reqid_hostile)`,
		hostile.Unauthorized:  `authenticate with the API key failed: the server answered HTTP 401: "Not authorized."; check the API key ($LIQUIDCOMMERCE_API_KEY) (request id reqid_hostile)`,
		hostile.NotFound:      `authenticate with the API key failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1m0s: authenticate with the API key failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: authenticate with the API key failed: 127.0.0.1:",
		hostile.BadJSON:       "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: it is not a JSON object; check the API base URL",
		hostile.Refused:       `authenticate with the API key failed: the server answered HTTP 200: "5000 API Key not found: X-LIQUID-API-KEY [2J ]0;pwned Refused by the hostile server"; check the API key ($LIQUIDCOMMERCE_API_KEY) (request id reqid_hostile)`,
		hostile.Huge:          "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: it is larger than 8 MiB; check the API base URL",
		hostile.WrongType:     "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: it is text/html, not JSON; check the API base URL",
		hostile.RedirectLoop:  "authenticate with the API key failed: 127.0.0.1:",
		hostile.MissingFields: "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: exp is not a whole number of epoch milliseconds; check the API base URL",
		hostile.Nulls:         "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: token is missing or is not one printable word; check the API base URL",
		hostile.NotNumbers:    "authenticate with the API key failed: the server's answer (HTTP 200) is not LiquidCommerce API JSON: exp is not a whole number of epoch milliseconds; check the API base URL",
		hostile.Escapes:       "",
	},
}, {
	provider: exchangeProvider,
	name:     "EXchange broker start",
	route:    "POST /v1/start",
	dialect:  hostile.Broker,
	payload: map[hostile.Fault]string{
		hostile.None:          `{"authorize_url": "` + authorizeURL + `"}`,
		hostile.MissingFields: `{}`,
		hostile.Nulls:         `{"authorize_url": null}`,
		hostile.Escapes:       `{"authorize_url": "\u001b[2J` + authorizeURL + `\u202e"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "could not start the sign-in: the token broker answered HTTP 500 (Internal Server Error); the broker failed: try again later",
		hostile.RateLimited:   "could not start the sign-in: the token broker answered HTTP 429 (rate_limited: Too many requests.); rate limited: try again in 1s",
		hostile.Unauthorized:  "could not start the sign-in: the token broker answered HTTP 401 (invalid_grant: Not authorized.)",
		hostile.NotFound:      "could not start the sign-in: the token broker answered HTTP 404 (Not Found); no token broker answers there: check the broker URL",
		hostile.Hang:          "timed out after 1m0s: the token broker call to start the sign-in failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: the token broker call to start the sign-in failed: 127.0.0.1:",
		hostile.BadJSON:       "could not start the sign-in: the answer (HTTP 200) is not the token broker's JSON; check the broker URL",
		hostile.Refused:       "could not start the sign-in: the token broker answered HTTP 400 (invalid_request: [2J ]0;pwned Refused by the hostile server); the broker refused the request as malformed: check the broker URL and the scope",
		hostile.Huge:          "could not start the sign-in: the token broker's answer (HTTP 200) is too long: it is larger than 8 MiB; check the broker URL",
		hostile.WrongType:     "could not start the sign-in: the answer (HTTP 200) is not the token broker's JSON; check the broker URL",
		hostile.RedirectLoop:  "kept redirecting (more than 5 times); check the broker URL: it must be the server's own address, not one that redirects",
		hostile.MissingFields: "could not start the sign-in: the broker's authorize_url is not a web address; check the broker URL",
		hostile.Nulls:         "could not start the sign-in: the broker's authorize_url is not a web address; check the broker URL",
		hostile.Escapes:       "could not start the sign-in: the broker's authorize_url is not a web address; check the broker URL",
	},
}, {
	provider: exchangeProvider,
	name:     "EXchange broker token",
	route:    "POST /v1/token",
	dialect:  hostile.Broker,
	payload: map[hostile.Fault]string{
		hostile.None:          `{"user_token": "hostile-access-key:` + exchangeSecret + `", "expires_at": "2100-01-01T00:00:00Z", "grant": {"id": "g-1", "secret": "` + grantSecret + `"}}`,
		hostile.MissingFields: `{"user_token": "hostile-access-key:` + exchangeSecret + `"}`,
		hostile.Nulls:         `{"user_token": null, "expires_at": null, "grant": null}`,
		hostile.NotNumbers:    `{"user_token": "hostile-access-key:` + exchangeSecret + `", "expires_at": 4102444800, "grant": {"id": "g-1", "secret": "` + grantSecret + `"}}`,
		hostile.Escapes:       `{"user_token": "\u001b[2Jhostile-access-key:` + exchangeSecret + `\u202e", "expires_at": "2100-01-01T00:00:00Z", "grant": {"id": "g-1", "secret": "` + grantSecret + `"}}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "could not exchange the authorization code: the token broker answered HTTP 500 (Internal Server Error); the broker failed: try again later",
		hostile.RateLimited:   "timed out after 1m0s: the last check failed: could not exchange the authorization code: the token broker answered HTTP 429 (rate_limited: Too many requests.); rate limited: try again in 1s",
		hostile.Unauthorized:  "could not exchange the authorization code: the token broker answered HTTP 401 (invalid_grant: Not authorized.); the broker no longer knows this sign-in (revoked or forgotten): connect again",
		hostile.NotFound:      "could not exchange the authorization code: the token broker answered HTTP 404 (Not Found); no token broker answers there: check the broker URL",
		hostile.Hang:          "timed out after 1m0s: the last check failed: the token broker call to exchange the authorization code failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: the last check failed: the token broker call to exchange the authorization code failed: 127.0.0.1:",
		hostile.BadJSON:       "could not exchange the authorization code: the answer (HTTP 200) is not the token broker's JSON; check the broker URL",
		hostile.Refused:       "could not exchange the authorization code: the token broker answered HTTP 400 (invalid_request: [2J ]0;pwned Refused by the hostile server); the broker refused the request as malformed: check the broker URL and the scope",
		hostile.Huge:          "could not exchange the authorization code: the token broker's answer (HTTP 200) is too long: it is larger than 8 MiB; check the broker URL",
		hostile.WrongType:     "could not exchange the authorization code: the answer (HTTP 200) is not the token broker's JSON; check the broker URL",
		hostile.RedirectLoop:  "kept redirecting (more than 5 times); check the broker URL: it must be the server's own address, not one that redirects",
		hostile.MissingFields: "could not exchange the authorization code: the broker's answer has no grant; check the broker URL",
		hostile.Nulls:         "could not exchange the authorization code: the user token is not <access_key>:<secret_key> in the broker's answer; check the broker URL",
		hostile.NotNumbers:    "could not exchange the authorization code: the answer (HTTP 200) is not the token broker's JSON; check the broker URL",
		hostile.Escapes:       "could not exchange the authorization code: the user token is not <access_key>:<secret_key> in the broker's answer; check the broker URL",
	},
}, {
	provider: exchangeProvider,
	name:     "EXchange member",
	route:    "GET /api/v2/members/me",
	payload: map[hostile.Fault]string{
		hostile.None:          `{"sn": "PEA7X2K9QZTIO", "name": "Kenji Watanabe", "email": "kenji@example.test", "accounts": [{"currency": "btc", "balance": "0.00726", "locked": "0.0"}]}`,
		hostile.MissingFields: `{"name": "Kenji Watanabe"}`,
		hostile.Nulls:         `{"sn": "PEA7X2K9QZTIO", "name": null, "email": null, "accounts": [{"currency": null, "balance": null, "locked": null}]}`,
		hostile.NotNumbers:    `{"sn": "PEA7X2K9QZTIO", "name": "Kenji Watanabe", "email": "kenji@example.test", "accounts": [{"currency": "btc", "balance": "abc", "locked": "NaN"}]}`,
		hostile.Escapes:       `{"sn": "\u001b[2JPEA7X2K9QZTIO", "name": "\u001b]0;pwned\u0007Kenji\u202e", "email": "kenji@example.test\u001b[8m", "accounts": [{"currency": "btc\u0007", "balance": "0.00726", "locked": "0.0"}]}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 500: Internal Server Error; EXchange failed: try again later",
		hostile.RateLimited:   "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 429: Too many requests. (1001); rate limited: try again in 1s",
		hostile.Unauthorized:  "read the member (GET /api/v2/members/me) failed: authorization failed (2001): the call was not signed as APIv2 wants; sign in again",
		hostile.NotFound:      "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 404: Not Found; check the API base URL and the call",
		hostile.Hang:          "timed out after 1m0s: read the member (GET /api/v2/members/me) failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1m0s: read the member (GET /api/v2/members/me) failed: 127.0.0.1:",
		hostile.BadJSON:       "read the member (GET /api/v2/members/me) failed: the answer is not an APIv2 member {sn, name, email, accounts}; check the API base URL",
		hostile.Refused:       "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 400: [2J ]0;pwned Refused by the hostile server (1001); check the API base URL and the call",
		hostile.Huge:          "read the member (GET /api/v2/members/me) failed: the server's answer (HTTP 200) is too long: it is larger than 8 MiB; check the API base URL",
		hostile.WrongType:     "read the member (GET /api/v2/members/me) failed: the answer is not an APIv2 member {sn, name, email, accounts}; check the API base URL",
		hostile.RedirectLoop:  "kept redirecting (more than 5 times); check the API base URL: it must be the server's own address, not one that redirects",
		hostile.MissingFields: "read the member (GET /api/v2/members/me) failed: the answer is not an APIv2 member {sn, name, email, accounts}; check the API base URL",
		hostile.Nulls:         "read the member (GET /api/v2/members/me) failed: the balance or locked amount of account 1 (it has no currency) is not a decimal number; check the API base URL",
		hostile.NotNumbers:    "read the member (GET /api/v2/members/me) failed: the btc account's balance or locked amount is not a decimal number; check the API base URL",
		hostile.Escapes:       "",
	},
}}

func TestFaultMatrix(t *testing.T) {
	ja := loadJapanese(t)
	for _, c := range calls {
		for _, fault := range hostile.Faults {
			want, ok := c.want[fault]
			if !ok {
				continue
			}
			t.Run(c.name+"/"+string(fault), func(t *testing.T) { runCase(t, ja, c, fault, want) })
		}
	}
}

// Every provider of the app's list has its calls in the matrix: adding a
// provider without them fails here.
func TestFaultMatrixCoversEveryProvider(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range calls {
		covered[c.provider.Info().Name] = true
	}
	for _, info := range providers.Infos(providers.All) {
		if !covered[info.Name] {
			t.Errorf("the fault matrix has no call of --provider %s: add its calls to calls", info.Name)
		}
	}
}

func runCase(t *testing.T, ja japanese, faulty call, fault hostile.Fault, want string) {
	var requests atomic.Int32 // to the faulty call
	p := faulty.provider
	healthy := map[string]call{} // the provider's other routes
	for _, c := range calls {
		if c.provider == p && c.route != faulty.route {
			healthy[c.route] = c
		}
	}
	var base string // the server's URL, once it listens
	respond := func(w http.ResponseWriter, r *http.Request, c call, fault hostile.Fault) {
		d := c.dialect
		if d.Success == nil {
			d = p.dialect
		}
		hostile.Respond(w, r, d, fault, fill(c.payload[fault], base, r))
	}
	mux := http.NewServeMux()
	for route, c := range healthy {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) { respond(w, r, c, hostile.None) })
	}
	// The deadline passes when the fault is met, for a case the app waits
	// out; never otherwise.
	dl := testdeadline.New()
	pass := func() {
		if waitsOut(want) {
			dl.Pass()
		}
	}
	var arrivals []time.Time // of the faulty requests
	var arrivalsMu sync.Mutex
	mux.HandleFunc(faulty.route, func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		arrivalsMu.Lock()
		arrivals = append(arrivals, time.Now())
		arrivalsMu.Unlock()
		// A request that never ends is met once it is sent; a second
		// request under Retry-After shows how long the app waited.
		if fault == hostile.Hang || fault == hostile.Drip || fault == hostile.RateLimited && n == 2 {
			pass()
		}
		respond(w, r, faulty, fault)
	})
	var verifiers sync.Map // the PKCE verifiers the app sent: secrets too
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.ParseForm() == nil && r.PostForm.Get("code_verifier") != "" {
			verifiers.Store(r.PostForm.Get("code_verifier"), true)
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer srv.CloseClientConnections() // ends hangs and drips the app left behind
	base = srv.URL
	inputs := flows.Inputs{}
	for k, v := range p.inputs {
		inputs[k] = strings.ReplaceAll(v, serverURL, srv.URL)
	}

	engine := flows.NewEngine(flows.EngineConfig{
		Providers:   []flows.Provider{p.Provider},
		OpenBrowser: approveAtOnce,
		Receiver:    flows.Loopback,
		Timeout:     flowTimeout,
		PollMin:     20 * time.Millisecond,
		PollMax:     100 * time.Millisecond,
	})
	target := flows.Target{Provider: p.Info().Name, Env: flows.EnvCustom, APIBase: srv.URL, Inputs: inputs}

	heap := hostile.WatchHeap()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	// The app says it waits once it has read a faulty answer: the
	// fault is met (a RateLimited case waits for the second request).
	progress := writerFunc(func(b []byte) (int, error) {
		if requests.Load() > 0 && fault != hostile.RateLimited && (bytes.Contains(b, []byte("Waiting for approval (")) || bytes.Contains(b, []byte("The last check failed ("))) {
			pass()
		}
		return stderr.Write(b)
	})
	_, err := headless.Run(dl, engine, target, &stdout, progress, true)
	elapsed := time.Since(start)
	growth := heap.Stop()

	// What a person at the terminal sees: the progress, then the error the
	// app exits with (main prints it as the last line).
	shown := stderr.String()
	if err != nil {
		shown += "qex-companion: " + err.Error() + "\n"
	}
	checkGolden(t, faulty, fault, shown)
	if want == "" {
		if err != nil {
			t.Fatalf("failed: %v\n%s", err, shown)
		}
	} else {
		if err == nil {
			t.Fatalf("succeeded; want exit 1 saying %q\n%s", want, shown)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("last message\n  %s\nwant it to say\n  %s", err, want)
		}
		if strings.Contains(err.Error(), "  ") { // a gap where the server sent nothing
			t.Errorf("last message has a double space:\n  %q", err)
		}
		checkJapanese(t, ja, err)
		if stdout.Len() > 0 {
			t.Errorf("wrote to stdout on failure: %q", stdout.String())
		}
		shown += stdout.String()
	}
	if elapsed >= flowTimeout {
		t.Errorf("took %s: the app did not end, nor meet the fault it should have waited out", elapsed.Round(time.Millisecond))
	}
	for line := range strings.Lines(shown) {
		if strings.HasSuffix(strings.TrimSuffix(line, "\n"), " ") { // padding around a field the server left empty
			t.Errorf("a line ends in spaces: %q", line)
		}
	}
	for _, r := range shown {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("output holds %U:\n%q", r, shown)
			break
		}
	}
	caseSecrets := slices.Clone(secrets)
	verifiers.Range(func(v, _ any) bool { caseSecrets = append(caseSecrets, v.(string)); return true })
	for _, secret := range caseSecrets {
		if strings.Contains(shown, secret) {
			t.Errorf("output holds the secret %q:\n%s", secret, shown)
		}
	}
	if jwt := jwtShape.FindString(shown); jwt != "" {
		t.Errorf("output holds a JWT %q:\n%s", jwt, shown)
	}
	if growth > maxHeapGrowth {
		t.Errorf("heap grew by %d MiB", growth>>20)
	}
	arrivalsMu.Lock()
	defer arrivalsMu.Unlock()
	if fault == hostile.RateLimited && len(arrivals) > 1 {
		if gap := arrivals[1].Sub(arrivals[0]); gap < hostile.RetryAfterSeconds*time.Second-10*time.Millisecond {
			t.Errorf("asked again after %s despite Retry-After: %d", gap.Round(time.Millisecond), hostile.RetryAfterSeconds)
		}
	}
}

// fill puts the server's URL and the authorization page r asks for in
// payload. It reads r's body, and leaves it for Respond to read again.
func fill(payload, base string, r *http.Request) string {
	payload = strings.ReplaceAll(payload, serverURL, base)
	if !strings.Contains(payload, authorizeURL) {
		return payload
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	r.Body = io.NopCloser(bytes.NewReader(body))
	var asked struct {
		RedirectURI string `json:"redirect_uri"`
		State       string `json:"state"`
	}
	json.Unmarshal(body, &asked) //nolint:errcheck // a body that is not JSON names no return
	page := base + "/oauth/authorize?" + url.Values{"redirect_uri": {asked.RedirectURI}, "state": {asked.State}}.Encode()
	return strings.ReplaceAll(payload, authorizeURL, page)
}

// waitsOut tells whether the app is to wait a fault out until its
// deadline: what it then says names the deadline.
func waitsOut(want string) bool {
	return strings.Contains(want, "timed out") || strings.Contains(want, "the last check failed")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// approveAtOnce plays a browser whose user approves at once: it loads the
// return URL the app put in the approval URL, with the app's own state
// (QEX), or the OAuth 2.0 redirect_uri with a code and the state. Without
// one (Liquid) there is nothing to load: the hostile server answers the
// approval check as approved from the start.
func approveAtOnce(approval string) error {
	u, err := url.Parse(approval)
	if err != nil {
		return err
	}
	q := u.Query()
	back := q.Get("return_url")
	if redirect, err := url.Parse(q.Get("redirect_uri")); err == nil && q.Has("redirect_uri") {
		redirect.RawQuery = url.Values{"code": {authCode}, "state": {q.Get("state")}}.Encode()
		back = redirect.String()
	}
	if back == "" {
		return nil
	}
	go func() {
		resp, err := http.Get(back)
		if err == nil {
			resp.Body.Close()
		}
	}()
	return nil
}

// update rewrites the golden files from what the app prints now.
var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

var (
	loopbackPort = regexp.MustCompile(`127\.0\.0\.1(:|%3A)\d+`)
	// A flow's random values: its state, its PKCE challenge.
	randomParam = regexp.MustCompile(`(state|code_challenge)(=|%3D)[A-Za-z0-9_-]+`)
	// Whether the browser's return or a poll notices approval first is a
	// race; what is printed around it is not, nor how each is named.
	noticedVia = regexp.MustCompile(`noticed via (the browser's return|polling|your check)\)`)
	// So is whether a poll finds the code flows still waiting for the
	// browser's return (the scripted browser approves at once; a loaded
	// machine may let the 20 ms poll go first): that line is left out.
	codeNotBackYet = regexp.MustCompile(`(?m)^  Waiting for approval \(waiting for the browser to come back (with the authorization code|from EXchange)\)…\n`)
	// How many polls fit in the timeout varies: the exchanges the
	// inspector logs are left out (their lines are not messages), with
	// the line counting their repeats, and a line repeated at once counts
	// once.
	exchangeLine = regexp.MustCompile(`^(• (GET|POST|PUT|PATCH|DELETE) /|  \(the same (once more|\d+ more times)\)\n)`)
)

// checkGolden compares what a person at the terminal sees in a case with
// the golden file written from the English headless output before the
// messages became values: scripts parse it, so it must not change.
func checkGolden(t *testing.T, c call, fault hostile.Fault, shown string) {
	t.Helper()
	shown = loopbackPort.ReplaceAllString(shown, "127.0.0.1${1}PORT")
	shown = randomParam.ReplaceAllString(shown, "${1}${2}RANDOM")
	shown = noticedVia.ReplaceAllString(shown, "noticed via …)")
	shown = codeNotBackYet.ReplaceAllString(shown, "")
	var lines []string
	for _, line := range strings.SplitAfter(shown, "\n") {
		if !exchangeLine.MatchString(line) && (len(lines) == 0 || lines[len(lines)-1] != line) {
			lines = append(lines, line)
		}
	}
	shown = strings.Join(lines, "")
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(c.name+" "+string(fault), "_")
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(shown), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no golden file (run go test -update once on the old code): %v", err)
	}
	if shown != string(want) {
		t.Errorf("the terminal output changed from %s:\n--- want\n%s--- got\n%s", path, want, shown)
	}
}
