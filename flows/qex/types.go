package qex

import (
	"encoding/json"

	"github.com/qexcompanion/qex-companion/flows/accounts"
)

// Environments named in the envelope's "environment" field.
const (
	EnvProduction = "PRODUCTION"
	EnvSandbox    = "SANDBOX"
)

// Session is the payload of a created QEX partner session.
type Session struct {
	PublicAPIKey  string     `json:"public_api_key"`
	SessionID     string     `json:"session_id"`
	SessionSecret string     `json:"session_secret"`
	Environment   string     `json:"environment"`
	ClientInfo    ClientInfo `json:"client_info"`
	Links         struct {
		TermsOfService Link `json:"terms_of_service"`
	} `json:"_links"`
	DefaultTransaction  json.RawMessage `json:"default_transaction,omitempty"`
	WidgetConfiguration json.RawMessage `json:"widget_configuration,omitempty"`
}

// String keeps the secret out of anything that formats a session.
func (s Session) String() string { return "session " + s.SessionID + " (" + s.Environment + ")" }

// GoString keeps the secret out of %#v output too.
func (s Session) GoString() string { return s.String() }

// Credentials returns what signed calls for this session need.
func (s *Session) Credentials() Credentials {
	return Credentials{SessionID: s.SessionID, SessionSecret: s.SessionSecret}
}

// ClientInfo is what the server knows of where the user is.
type ClientInfo struct {
	IPCountry        string `json:"ip_country,omitempty"`
	SuggestedCountry string `json:"suggested_country,omitempty"`
}

// Link is a HAL-style link.
type Link struct {
	Href string `json:"href"`
}

// Credentials identify a session and hold the secret that signs its calls.
// SessionSecret must never be logged or shown.
type Credentials struct {
	SessionID     string
	SessionSecret string
}

// String keeps the secret out of any log line or error message that formats
// the credentials.
func (c Credentials) String() string { return "session " + c.SessionID }

// GoString keeps the secret out of %#v output too.
func (c Credentials) GoString() string { return c.String() }

// KYCState is the payload of the kyc_state call.
type KYCState struct {
	LiquidUserID   accounts.ID `json:"liquid_user_id"`
	Identification KYCCheck    `json:"identification"`
	Contact        KYCCheck    `json:"contact"`
	Liveness       KYCCheck    `json:"liveness"`
	ProofOfAddress KYCCheck    `json:"proof_of_address"`
}

// KYCCheck is the state of one KYC requirement.
type KYCCheck struct {
	Approved   bool `json:"approved"`
	Submitted  bool `json:"submitted"`
	Deferrable bool `json:"deferrable"`
	Reviewed   bool `json:"reviewed"`
	Required   bool `json:"required"`
}

// SettlementCurrency is one entry of the settlement currencies list.
type SettlementCurrency struct {
	Symbol     string `json:"symbol"`
	Icon       string `json:"icon"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	CCYCode    string `json:"ccy_code"`
	Settlement struct {
		Funding []string `json:"funding"`
		Payout  []string `json:"payout"`
	} `json:"settlement"`
}
