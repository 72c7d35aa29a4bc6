package widgetcfg

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// Problem is one thing wrong with a configuration, at one field.
type Problem struct {
	Field   string // e.g. "funding_default.currency"
	Message msg.Message
}

func (p Problem) String() string { return p.Msg().String() }

// Msg is the problem with its field, as one message.
func (p Problem) Msg() msg.Message {
	return msg.ProblemAt.New(msg.Args{"Field": p.Field, "Problem": p.Message})
}

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
	add := func(field string, kind msg.Kind, args msg.Args) {
		ps = append(ps, Problem{Field: field, Message: kind.New(args)})
	}
	if !strings.HasPrefix(c.PublicAPIKey, "pk_") {
		add("public_api_key", msg.WidgetKeyPrefix, nil)
	}
	if c.ConfigVersion == "" {
		add("config_version", msg.WidgetMissingUse, msg.Args{"Value": ConfigVersion})
	}
	if c.Theme != "" && c.Theme != "light" && c.Theme != "dark" {
		add("theme", msg.WidgetThemes, msg.Args{"Value": c.Theme})
	}
	if c.UserLocale != "" && !localePattern.MatchString(c.UserLocale) {
		add("user_locale", msg.WidgetLocale, msg.Args{"Value": c.UserLocale})
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
			add(name+".method", msg.WidgetMissingOneOf, msg.Args{"Choices": strings.Join(methods, ", ")})
		case !slices.Contains(methods, s.Method):
			add(name+".method", msg.WidgetNotMethod, msg.Args{"Value": s.Method, "Side": strings.TrimSuffix(name, "_settlement"), "Choices": strings.Join(methods, ", ")})
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
		add(payout+".quantity", msg.WidgetQuantityTwice, msg.Args{"Funding": funding})
	}
	for _, key := range sortedStyleKeys(c.CustomStyles) {
		checkStyle(add, key, c.CustomStyles[key])
	}
	if id := c.Identity; id != nil {
		switch {
		case id.UserSession != nil && id.LiquidUserJWT != "":
			add("identity", msg.WidgetBothIdentities, nil)
		case id.UserSession == nil && id.LiquidUserJWT == "":
			add("identity", msg.WidgetNoIdentity, nil)
		case id.UserSession != nil:
			if id.UserSession.SessionID == "" {
				add("identity.user_session.session_id", msg.WidgetMissing, nil)
			}
			if id.UserSession.SessionSecret == "" {
				add("identity.user_session.session_secret", msg.WidgetMissing, nil)
			}
		case strings.Count(id.LiquidUserJWT, ".") != 2:
			add("identity.liquid_user_jwt", msg.WidgetNotJWT, nil)
		}
	}
	if n := len([]rune(c.PartnerOrderID)); n > MaxPartnerOrderID {
		add("partner_order_id", msg.WidgetTooLong, msg.Args{"Length": n, "Max": MaxPartnerOrderID})
	}
	if len(c.PartnerTags) > MaxPartnerTags {
		add("partner_tags", msg.WidgetTooManyTags, msg.Args{"Count": len(c.PartnerTags), "Max": MaxPartnerTags})
	}
	for i, tag := range c.PartnerTags {
		switch n := len([]rune(tag)); {
		case n == 0:
			add("partner_tags["+strconv.Itoa(i)+"]", msg.WidgetEmpty, nil)
		case n > MaxPartnerTag:
			add("partner_tags["+strconv.Itoa(i)+"]", msg.WidgetTooLong, msg.Args{"Length": n, "Max": MaxPartnerTag})
		}
	}
	return ps
}

// Validate returns every problem as one error, one line each, or nil.
func (c Config) Validate() error {
	var errs []error
	for _, p := range c.Problems() {
		errs = append(errs, problemError{p})
	}
	return errors.Join(errs...)
}

// problemError is a Problem as an error.
type problemError struct{ p Problem }

func (e problemError) Error() string    { return e.p.String() }
func (e problemError) Msg() msg.Message { return e.p.Msg() }

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

type addFunc func(field string, kind msg.Kind, args msg.Args)

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
		add(name+".currency_scheme", msg.WidgetScheme, msg.Args{"Value": scheme})
	}
}

func checkQuantity(add addFunc, name, currency, quantity string) {
	if quantity == "" {
		return
	}
	if !decimalPattern.MatchString(quantity) || strings.Trim(quantity, "0.") == "" {
		add(name+".quantity", msg.WidgetNotAmount, msg.Args{"Value": quantity})
	}
	if currency == "" {
		add(name+".currency", msg.WidgetNeedsCurrency, nil)
	}
}

func checkTyped(add addFunc, field string, v *TypedValue, wantType string) {
	if v == nil {
		return
	}
	if v.Type != wantType {
		add(field+".type", msg.WidgetMustBe, msg.Args{"Want": wantType, "Value": v.Type})
	}
	if strings.TrimSpace(v.Value) == "" {
		add(field+".value", msg.WidgetMissing, nil)
	}
}

func checkStyle(add addFunc, key string, style Style) {
	field := "custom_styles." + key
	if !slices.Contains(StyleKeys, key) {
		add(field, msg.WidgetUnknownStyle, msg.Args{"Choices": strings.Join(StyleKeys, ", ")})
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
			add(field, msg.WidgetNotProperty, msg.Args{"Value": prop})
		case isColourProperty(prop) && !IsColour(value):
			add(field+"."+prop, msg.WidgetNotColour, msg.Args{"Value": value})
		case strings.ContainsAny(value, ";{}<>"):
			add(field+"."+prop, msg.WidgetBadCSS, msg.Args{"Value": value})
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
