package qex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Environments named in the envelope's "environment" field.
const (
	EnvProduction = "PRODUCTION"
	EnvSandbox    = "SANDBOX"
)

// Decimal is an exact decimal amount as the server wrote it ("0.06",
// "0.000000012345678901"). It is never converted to a float: balances are shown
// and compared as the exact strings the server sent. The zero value means the
// server sent null or nothing.
type Decimal string

// UnmarshalJSON accepts a JSON string, a JSON number (kept digit for digit) or
// null.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s, err := flexibleScalar(b)
	if err != nil {
		return fmt.Errorf("decimal: %w", err)
	}
	*d = Decimal(s)
	return nil
}

// IsNull reports whether the server sent null (or omitted the field).
func (d Decimal) IsNull() bool { return d == "" }

// IsZero reports whether d is null or a zero amount such as "0", "0.0" or "-0.000".
func (d Decimal) IsZero() bool {
	for _, r := range string(d) {
		switch r {
		case '0', '.', '-', '+':
		default:
			return false
		}
	}
	return true
}

// maxDecimalLength bounds an amount the app shows as a number: longer
// strings are not amounts any exchange sends.
const maxDecimalLength = 64

// IsDecimal reports whether d is a plain decimal number: an optional '-',
// digits, and optionally '.' and more digits ("0.06", "-12", "1250.5").
// Exponents ("1e400"), separators ("1,000.00"), a leading '+', "NaN" and
// the like are not amounts to show as numbers. Null is not a decimal.
func (d Decimal) IsDecimal() bool {
	s := strings.TrimPrefix(string(d), "-")
	if len(d) > maxDecimalLength {
		return false
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ID is an account or user identifier. Servers send numbers, but the field is
// kept as text so that large ids and string ids both survive.
type ID string

// UnmarshalJSON accepts a JSON number, a string or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	s, err := flexibleScalar(b)
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*id = ID(s)
	return nil
}

// flexibleScalar returns a JSON string's value, a JSON number's exact text, or
// "" for null.
func flexibleScalar(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	default:
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&n); err != nil {
			return "", fmt.Errorf("want a string, a number or null, got %.20s", b)
		}
		return n.String(), nil
	}
}

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

// Account is a crypto or fiat account, with every field of the Liquid account
// shape (crypto accounts have Address and MinimumWithdraw; fiat accounts have
// SendToBTCAddress and ExchangeRate).
type Account struct {
	ID                       ID      `json:"id"`
	Currency                 string  `json:"currency"`
	Balance                  Decimal `json:"balance"`
	ReservedBalance          Decimal `json:"reserved_balance"`
	PusherChannel            string  `json:"pusher_channel"`
	LowestOfferInterestRate  Decimal `json:"lowest_offer_interest_rate"`
	HighestOfferInterestRate Decimal `json:"highest_offer_interest_rate"`
	Address                  string  `json:"address,omitempty"`
	CurrencySymbol           string  `json:"currency_symbol"`
	MinimumWithdraw          Decimal `json:"minimum_withdraw,omitempty"`
	SendToBTCAddress         string  `json:"send_to_btc_address,omitempty"`
	ExchangeRate             Decimal `json:"exchange_rate,omitempty"`
	CurrencyType             string  `json:"currency_type"`
}

// DepositAddress returns the address to send funds to, whichever field the
// server used for it.
func (a Account) DepositAddress() string {
	if a.Address != "" {
		return a.Address
	}
	return a.SendToBTCAddress
}

// Accounts is the payload of the accounts call.
type Accounts struct {
	CryptoAccounts []Account `json:"crypto_accounts"`
	FiatAccounts   []Account `json:"fiat_accounts"`
}

// All returns crypto accounts first, then fiat accounts.
func (a *Accounts) All() []Account {
	all := make([]Account, 0, len(a.CryptoAccounts)+len(a.FiatAccounts))
	all = append(all, a.CryptoAccounts...)
	return append(all, a.FiatAccounts...)
}

// KYCState is the payload of the kyc_state call.
type KYCState struct {
	LiquidUserID   ID       `json:"liquid_user_id"`
	Identification KYCCheck `json:"identification"`
	Contact        KYCCheck `json:"contact"`
	Liveness       KYCCheck `json:"liveness"`
	ProofOfAddress KYCCheck `json:"proof_of_address"`
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
