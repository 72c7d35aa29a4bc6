// Package widgetcfg is the configuration the partner's embedded QEX widget
// is initialised with: the whole documented format as Go types, its
// validation, stable JSON, and its files.
package widgetcfg

import (
	"bytes"
	"encoding/json"
)

// ConfigVersion is the widget configuration format this package writes.
const ConfigVersion = "1.2"

// Config is the widget configuration. Field order is the JSON key order, so
// output is stable and diffs well; fields this package does not know are
// kept in Extra and written back after the known ones, in name order.
type Config struct {
	PublicAPIKey      string           `json:"public_api_key"`
	ConfigVersion     string           `json:"config_version"`
	Theme             string           `json:"theme,omitempty"`
	UserLocale        string           `json:"user_locale,omitempty"`
	FundingDefault    *Default         `json:"funding_default,omitempty"`
	PayoutDefault     *Default         `json:"payout_default,omitempty"`
	FundingSettlement *Settlement      `json:"funding_settlement,omitempty"`
	PayoutSettlement  *Settlement      `json:"payout_settlement,omitempty"`
	CustomStyles      map[string]Style `json:"custom_styles,omitempty"`
	Identity          *Identity        `json:"identity,omitempty"`
	PartnerOrderID    string           `json:"partner_order_id,omitempty"`
	PartnerRef        string           `json:"partner_ref,omitempty"`
	PartnerTags       []string         `json:"partner_tags,omitempty"`
	Intent            string           `json:"intent,omitempty"`
	Extra             Extra            `json:"-"`
}

// Default suggests one side of the quote; the user may change it.
type Default struct {
	Currency        string      `json:"currency,omitempty"`
	Quantity        json.Number `json:"quantity,omitempty"`
	CurrencyScheme  string      `json:"currency_scheme,omitempty"`
	CurrencyOptions []string    `json:"currency_options,omitempty"`
	Extra           Extra       `json:"-"`
}

// Settlement locks one side of the quote.
type Settlement struct {
	Method          string           `json:"method,omitempty"`
	Currency        string           `json:"currency,omitempty"`
	Quantity        json.Number      `json:"quantity,omitempty"`
	CurrencyScheme  string           `json:"currency_scheme,omitempty"`
	InputParameters *InputParameters `json:"input_parameters,omitempty"`
	Extra           Extra            `json:"-"`
}

// InputParameters say where a settlement goes.
type InputParameters struct {
	AccountKey     *TypedValue `json:"account_key,omitempty"`
	TransactionKey *TypedValue `json:"transaction_key,omitempty"`
	Extra          Extra       `json:"-"`
}

// TypedValue is a value with its kind, e.g. {WALLET_ADDRESS, 0x…}.
type TypedValue struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	Extra Extra  `json:"-"`
}

// Style is one custom style: CSS properties and their values.
type Style map[string]string

// Identity tells the widget which user it acts for: exactly one of an
// approved session or a single-use Liquid user JWT.
type Identity struct {
	UserSession   *UserSession `json:"user_session,omitempty"`
	LiquidUserJWT string       `json:"liquid_user_jwt,omitempty"`
	Extra         Extra        `json:"-"`
}

// UserSession is an approved QEX partner session. SessionSecret is a secret:
// it signs every call made for the user.
type UserSession struct {
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
	Extra         Extra  `json:"-"`
}

// Currency schemes, themes, methods and style keys the documents name.
const (
	SchemeFiat   = "FIAT"
	SchemeCrypto = "CRYPTO"
)

var (
	// FundingMethods are how the user can pay.
	FundingMethods = []string{"BLOCKCHAIN_TRANSFER", "BLOCKCHAIN_DELEGATED_BROADCAST", "CARD_PAYMENT"}
	// PayoutMethods are how the user can be paid.
	PayoutMethods = []string{"BLOCKCHAIN_TRANSFER", "LIQUID_PARTNER_WALLET", "LIQUID_WALLET", "LIQUID_USER_WALLET"}
	// StyleKeys are the custom_styles the widget knows.
	StyleKeys = []string{"cs-base", "cs-subtext", "cs-special", "cs-error", "cs-button", "cs-select", "cs-interactive", "cs-highlight"}
)

// ForSession returns the identity configuration for an approved session.
func ForSession(publicAPIKey, sessionID, sessionSecret string) Config {
	return Config{
		PublicAPIKey:  publicAPIKey,
		ConfigVersion: ConfigVersion,
		Identity:      &Identity{UserSession: &UserSession{SessionID: sessionID, SessionSecret: sessionSecret}},
	}
}

// MarshalIndent renders c as indented JSON with a trailing newline, the form
// shown in the window, printed on stdout and written to files. Text is kept
// as typed, without HTML escaping (see marshalAsWritten).
func (c Config) MarshalIndent() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Mask replaces a secret on screen until the user asks to see it.
const Mask = "••••••••••••••••"

// Masked returns a copy of c whose session secret is replaced by Mask.
func (c Config) Masked() Config {
	if c.Identity == nil || c.Identity.UserSession == nil {
		return c
	}
	us := *c.Identity.UserSession
	us.SessionSecret = Mask
	id := *c.Identity
	id.UserSession = &us
	c.Identity = &id
	return c
}

// WithoutIdentity returns a copy of c with no identity, for sharing.
func (c Config) WithoutIdentity() Config {
	c.Identity = nil
	return c
}

// Amount makes a quantity from what a person typed.
func Amount(s string) json.Number { return json.Number(s) }
