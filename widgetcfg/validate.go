package widgetcfg

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration, at one field.
type Problem struct {
	Field   string // e.g. "funding_default.currency"
	Message string
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// Limits the documents set on partner fields.
const (
	MaxPartnerOrderID = 40
	MaxPartnerTags    = 10
	MaxPartnerTag     = 40
)

// Problems lists everything wrong with c, one entry per problem, in field
// order.
func (c Config) Problems() []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !strings.HasPrefix(c.PublicAPIKey, "pk_") {
		add("public_api_key", `must start with "pk_"`)
	}
	if c.ConfigVersion == "" {
		add("config_version", "missing (use %q)", ConfigVersion)
	}
	if c.Theme != "" && c.Theme != "light" && c.Theme != "dark" {
		add("theme", `must be "light" or "dark", not %q`, c.Theme)
	}
	if c.UserLocale != "" && !localePattern.MatchString(c.UserLocale) {
		add("user_locale", "%q is not a language tag such as en or en-US", c.UserLocale)
	}
	checkDefault := func(name string, d *Default) {
		if d == nil {
			return
		}
		checkScheme(add, name, d.CurrencyScheme)
		checkQuantity(add, name, d.Currency, string(d.Quantity))
	}
	checkSettlement := func(name string, s *Settlement, methods []string) {
		if s == nil {
			return
		}
		switch {
		case s.Method == "":
			add(name+".method", "missing (one of %s)", strings.Join(methods, ", "))
		case !slices.Contains(methods, s.Method):
			add(name+".method", "%q is not a %s method (one of %s)", s.Method, strings.TrimSuffix(name, "_settlement"), strings.Join(methods, ", "))
		}
		checkScheme(add, name, s.CurrencyScheme)
		checkQuantity(add, name, s.Currency, string(s.Quantity))
		if p := s.InputParameters; p != nil {
			checkTyped(add, name+".input_parameters.account_key", p.AccountKey, "WALLET_ADDRESS")
			checkTyped(add, name+".input_parameters.transaction_key", p.TransactionKey, "MEMO_ID")
		}
	}
	checkDefault("funding_default", c.FundingDefault)
	checkDefault("payout_default", c.PayoutDefault)
	checkSettlement("funding_settlement", c.FundingSettlement, FundingMethods)
	checkSettlement("payout_settlement", c.PayoutSettlement, PayoutMethods)
	if funding, payout := c.quantitySide("funding"), c.quantitySide("payout"); funding != "" && payout != "" {
		add(payout+".quantity", "a quantity is already set on the funding side (%s.quantity); set it on one side only", funding)
	}
	for _, key := range sortedStyleKeys(c.CustomStyles) {
		checkStyle(add, key, c.CustomStyles[key])
	}
	if id := c.Identity; id != nil {
		switch {
		case id.UserSession != nil && id.LiquidUserJWT != "":
			add("identity", "has both user_session and liquid_user_jwt; give exactly one")
		case id.UserSession == nil && id.LiquidUserJWT == "":
			add("identity", "is empty; give user_session or liquid_user_jwt, or leave identity out")
		case id.UserSession != nil:
			if id.UserSession.SessionID == "" {
				add("identity.user_session.session_id", "missing")
			}
			if id.UserSession.SessionSecret == "" {
				add("identity.user_session.session_secret", "missing")
			}
		case strings.Count(id.LiquidUserJWT, ".") != 2:
			add("identity.liquid_user_jwt", "is not a JWT (three dot-separated parts)")
		}
	}
	if n := len([]rune(c.PartnerOrderID)); n > MaxPartnerOrderID {
		add("partner_order_id", "is %d characters; at most %d", n, MaxPartnerOrderID)
	}
	if len(c.PartnerTags) > MaxPartnerTags {
		add("partner_tags", "has %d tags; at most %d", len(c.PartnerTags), MaxPartnerTags)
	}
	for i, tag := range c.PartnerTags {
		switch n := len([]rune(tag)); {
		case n == 0:
			add(fmt.Sprintf("partner_tags[%d]", i), "is empty")
		case n > MaxPartnerTag:
			add(fmt.Sprintf("partner_tags[%d]", i), "is %d characters; at most %d", n, MaxPartnerTag)
		}
	}
	return ps
}

// Validate returns every problem as one error, one line each, or nil.
func (c Config) Validate() error {
	var errs []error
	for _, p := range c.Problems() {
		errs = append(errs, errors.New(p.String()))
	}
	return errors.Join(errs...)
}

// quantitySide names the field that sets a quantity on side ("funding" or
// "payout"), or "".
func (c Config) quantitySide(side string) string {
	d, s := c.FundingDefault, c.FundingSettlement
	if side == "payout" {
		d, s = c.PayoutDefault, c.PayoutSettlement
	}
	switch {
	case s != nil && s.Quantity != "":
		return side + "_settlement"
	case d != nil && d.Quantity != "":
		return side + "_default"
	}
	return ""
}

type addFunc func(field, format string, args ...any)

var (
	localePattern   = regexp.MustCompile(`^[a-z]{2,3}([-_][A-Za-z]{2,4})?$`)
	decimalPattern  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	propertyPattern = regexp.MustCompile(`^-?[a-z][a-z-]*$`)
	hexColour       = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	funcColour      = regexp.MustCompile(`^(rgb|rgba|hsl|hsla)\(\s*[-0-9.%]+(\s*[, ]\s*[-0-9.%]+){2}(\s*[,/]\s*[0-9.%]+)?\s*\)$`)
	namedColour     = regexp.MustCompile(`^[a-zA-Z]{3,20}$`)
)

func checkScheme(add addFunc, name, scheme string) {
	if scheme != "" && scheme != SchemeFiat && scheme != SchemeCrypto {
		add(name+".currency_scheme", `must be "FIAT" or "CRYPTO", not %q`, scheme)
	}
}

func checkQuantity(add addFunc, name, currency, quantity string) {
	if quantity == "" {
		return
	}
	if !decimalPattern.MatchString(quantity) || strings.Trim(quantity, "0.") == "" {
		add(name+".quantity", "%q is not a positive amount such as 0.05 or 100", quantity)
	}
	if currency == "" {
		add(name+".currency", "missing: a side with a quantity needs a currency")
	}
}

func checkTyped(add addFunc, field string, v *TypedValue, wantType string) {
	if v == nil {
		return
	}
	if v.Type != wantType {
		add(field+".type", "must be %q, not %q", wantType, v.Type)
	}
	if strings.TrimSpace(v.Value) == "" {
		add(field+".value", "missing")
	}
}

func checkStyle(add addFunc, key string, style Style) {
	field := "custom_styles." + key
	if !slices.Contains(StyleKeys, key) {
		add(field, "is not a style the widget knows (one of %s)", strings.Join(StyleKeys, ", "))
		return
	}
	props := make([]string, 0, len(style))
	for p := range style {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, prop := range props {
		value := strings.TrimSpace(style[prop])
		switch {
		case !propertyPattern.MatchString(prop):
			add(field, "%q is not a CSS property name", prop)
		case isColourProperty(prop) && !IsColour(value):
			add(field+"."+prop, "%q is not a colour (use #rrggbb, rgb(…) or a colour name)", value)
		case strings.ContainsAny(value, ";{}<>"):
			add(field+"."+prop, "%q may not contain ; { } < or >", value)
		}
	}
}

// isColourProperty reports whether a CSS property takes a colour.
func isColourProperty(prop string) bool {
	return prop == "color" || prop == "background" || strings.HasSuffix(prop, "-color")
}

// IsColour reports whether value is a CSS colour this package accepts.
func IsColour(value string) bool {
	return hexColour.MatchString(value) || funcColour.MatchString(value) || namedColour.MatchString(value)
}

func sortedStyleKeys(styles map[string]Style) []string {
	keys := make([]string, 0, len(styles))
	for k := range styles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
