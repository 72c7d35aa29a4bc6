package widgetcfg_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/widgetcfg"
)

func valid() widgetcfg.Config {
	return widgetcfg.ForSession("pk_sandbox_12345678", "sid", "secret")
}

func TestEveryValidationRule(t *testing.T) {
	long := strings.Repeat("x", 41)
	cases := []struct {
		name   string
		change func(*widgetcfg.Config)
		want   []string
	}{
		{"valid", func(*widgetcfg.Config) {}, nil},
		{"key", func(c *widgetcfg.Config) { c.PublicAPIKey = "sk_1" }, []string{`public_api_key: must start with "pk_"`}},
		{"version", func(c *widgetcfg.Config) { c.ConfigVersion = "" }, []string{`config_version: missing (use "1.2")`}},
		{"theme", func(c *widgetcfg.Config) { c.Theme = "neon" }, []string{`theme: must be "light" or "dark", not "neon"`}},
		{"locale", func(c *widgetcfg.Config) { c.UserLocale = "English" }, []string{`user_locale: "English" is not a language tag such as en or en-US`}},
		{"quantity on both sides", func(c *widgetcfg.Config) {
			c.FundingDefault = &widgetcfg.Default{Currency: "USD", Quantity: "10"}
			c.PayoutDefault = &widgetcfg.Default{Currency: "BTC", Quantity: "0.1"}
		}, []string{"payout_default.quantity: a quantity is already set on the funding side (funding_default.quantity); set it on one side only"}},
		{"quantity on both sides, settlement and default", func(c *widgetcfg.Config) {
			c.FundingSettlement = &widgetcfg.Settlement{Method: "CARD_PAYMENT", Currency: "USD", Quantity: "10"}
			c.PayoutDefault = &widgetcfg.Default{Currency: "BTC", Quantity: "0.1"}
		}, []string{"payout_default.quantity: a quantity is already set on the funding side (funding_settlement.quantity); set it on one side only"}},
		{"quantity without currency", func(c *widgetcfg.Config) { c.PayoutDefault = &widgetcfg.Default{Quantity: "0.1"} },
			[]string{"payout_default.currency: missing: a side with a quantity needs a currency"}},
		{"bad quantity", func(c *widgetcfg.Config) { c.FundingDefault = &widgetcfg.Default{Currency: "USD", Quantity: "-5"} },
			[]string{`funding_default.quantity: "-5" is not a positive amount such as 0.05 or 100`}},
		{"zero quantity", func(c *widgetcfg.Config) { c.FundingDefault = &widgetcfg.Default{Currency: "USD", Quantity: "0.00"} },
			[]string{`funding_default.quantity: "0.00" is not a positive amount such as 0.05 or 100`}},
		{"scheme", func(c *widgetcfg.Config) { c.FundingDefault = &widgetcfg.Default{CurrencyScheme: "fiat"} },
			[]string{`funding_default.currency_scheme: must be "FIAT" or "CRYPTO", not "fiat"`}},
		{"unknown funding method", func(c *widgetcfg.Config) { c.FundingSettlement = &widgetcfg.Settlement{Method: "LIQUID_WALLET"} },
			[]string{`funding_settlement.method: "LIQUID_WALLET" is not a funding method (one of BLOCKCHAIN_TRANSFER, BLOCKCHAIN_DELEGATED_BROADCAST, CARD_PAYMENT)`}},
		{"unknown payout method", func(c *widgetcfg.Config) { c.PayoutSettlement = &widgetcfg.Settlement{Method: "CARD_PAYMENT"} },
			[]string{`payout_settlement.method: "CARD_PAYMENT" is not a payout method (one of BLOCKCHAIN_TRANSFER, LIQUID_PARTNER_WALLET, LIQUID_WALLET, LIQUID_USER_WALLET)`}},
		{"missing method", func(c *widgetcfg.Config) { c.PayoutSettlement = &widgetcfg.Settlement{Currency: "BTC"} },
			[]string{"payout_settlement.method: missing (one of BLOCKCHAIN_TRANSFER, LIQUID_PARTNER_WALLET, LIQUID_WALLET, LIQUID_USER_WALLET)"}},
		{"input parameters", func(c *widgetcfg.Config) {
			c.PayoutSettlement = &widgetcfg.Settlement{Method: "BLOCKCHAIN_TRANSFER", InputParameters: &widgetcfg.InputParameters{
				AccountKey: &widgetcfg.TypedValue{Type: "IBAN", Value: "x"}, TransactionKey: &widgetcfg.TypedValue{Type: "MEMO_ID"}}}
		}, []string{`payout_settlement.input_parameters.account_key.type: must be "WALLET_ADDRESS", not "IBAN"`, "payout_settlement.input_parameters.transaction_key.value: missing"}},
		{"both identities", func(c *widgetcfg.Config) { c.Identity.LiquidUserJWT = "a.b.c" },
			[]string{"identity: has both user_session and liquid_user_jwt; give exactly one"}},
		{"empty identity", func(c *widgetcfg.Config) { c.Identity = &widgetcfg.Identity{} },
			[]string{"identity: is empty; give user_session or liquid_user_jwt, or leave identity out"}},
		{"half a session", func(c *widgetcfg.Config) { c.Identity.UserSession.SessionSecret = "" },
			[]string{"identity.user_session.session_secret: missing"}},
		{"jwt identity", func(c *widgetcfg.Config) { c.Identity = &widgetcfg.Identity{LiquidUserJWT: "not-a-jwt"} },
			[]string{"identity.liquid_user_jwt: is not a JWT (three dot-separated parts)"}},
		{"order id", func(c *widgetcfg.Config) { c.PartnerOrderID = long }, []string{"partner_order_id: is 41 characters; at most 40"}},
		{"too many tags", func(c *widgetcfg.Config) { c.PartnerTags = strings.Split("a b c d e f g h i j k", " ") },
			[]string{"partner_tags: has 11 tags; at most 10"}},
		{"long and empty tags", func(c *widgetcfg.Config) { c.PartnerTags = []string{long, ""} },
			[]string{"partner_tags[0]: is 41 characters; at most 40", "partner_tags[1]: is empty"}},
		{"unknown style", func(c *widgetcfg.Config) {
			c.CustomStyles = map[string]widgetcfg.Style{"cs-everything": {"color": "red"}}
		},
			[]string{"custom_styles.cs-everything: is not a style the widget knows (one of cs-base, cs-subtext, cs-special, cs-error, cs-button, cs-select, cs-interactive, cs-highlight)"}},
		{"malformed colours", func(c *widgetcfg.Config) {
			c.CustomStyles = map[string]widgetcfg.Style{"cs-button": {"color": "#12", "background": "rgb(1,2)", "border-color": "#e8e8e8", "font-weight": "bold"}}
		}, []string{`custom_styles.cs-button.background: "rgb(1,2)" is not a colour (use #rrggbb, rgb(…) or a colour name)`, `custom_styles.cs-button.color: "#12" is not a colour (use #rrggbb, rgb(…) or a colour name)`}},
		{"css injection", func(c *widgetcfg.Config) {
			c.CustomStyles = map[string]widgetcfg.Style{"cs-base": {"margin": "0;} body{display:none"}}
		},
			[]string{`custom_styles.cs-base.margin: "0;} body{display:none" may not contain ; { } < or >`}},
		{"bad property", func(c *widgetcfg.Config) { c.CustomStyles = map[string]widgetcfg.Style{"cs-base": {"Color!": "red"}} },
			[]string{`custom_styles.cs-base: "Color!" is not a CSS property name`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			var got []string
			for _, p := range c.Problems() {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems\n got %q\nwant %q", got, tc.want)
			}
			if (c.Validate() == nil) != (len(tc.want) == 0) {
				t.Errorf("Validate = %v", c.Validate())
			}
		})
	}
}

func TestGoldenFullConfig(t *testing.T) {
	golden, err := os.ReadFile("testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	var c widgetcfg.Config
	if err := json.Unmarshal(golden, &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the golden config is invalid: %v", err)
	}
	if c.PayoutSettlement.InputParameters.AccountKey.Value != "1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM" || c.CustomStyles["cs-button"]["color"] != "white" || c.FundingDefault.Quantity != "100" {
		t.Errorf("decoded %+v", c)
	}
	out, err := c.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(golden) {
		t.Errorf("round trip differs:\n%s", out)
	}
}

func TestUnknownFieldsSurviveARoundTrip(t *testing.T) {
	in := `{"public_api_key":"pk_x1234567","config_version":"1.3","zeta_new_top":{"a":[1,2]},"alpha_new":true,` +
		`"funding_default":{"currency":"USD","future_default_field":"keep me"},` +
		`"payout_settlement":{"method":"LIQUID_WALLET","input_parameters":{"account_key":{"type":"WALLET_ADDRESS","value":"w","checksum":"c1"},"new_key":{"x":1}}},` +
		`"identity":{"user_session":{"session_id":"s","session_secret":"k","expires":123},"device":"phone"}}`
	var c widgetcfg.Config
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var before, after any
	json.Unmarshal([]byte(in), &before)
	json.Unmarshal(out, &after)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Errorf("lost or changed fields:\n in %s\nout %s", b1, b2)
	}
	// Known fields first, in their fixed order; unknown ones after, sorted.
	if !strings.HasPrefix(string(out), `{"public_api_key":"pk_x1234567","config_version":"1.3",`) ||
		!strings.HasSuffix(string(out), `"alpha_new":true,"zeta_new_top":{"a":[1,2]}}`) {
		t.Errorf("key order: %s", out)
	}
}

func TestSaveLeavesTheIdentityOutUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	c := valid()
	c.Theme = "dark"
	shared, private := filepath.Join(dir, "shared.json"), filepath.Join(dir, "private.json")
	if err := c.Save(shared, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(private, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(shared); strings.Contains(string(data), "secret") || !strings.Contains(string(data), `"theme": "dark"`) {
		t.Errorf("shared file:\n%s", data)
	}
	loaded, err := widgetcfg.Load(private)
	if err != nil || loaded.Identity.UserSession.SessionSecret != "secret" || c.Identity == nil {
		t.Errorf("private file: %+v %v (the original must keep its identity)", loaded, err)
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o600)
	if _, err := widgetcfg.Load(filepath.Join(dir, "bad.json")); err == nil || !strings.Contains(err.Error(), "is not a widget configuration") {
		t.Errorf("bad file: %v", err)
	}
	if _, err := widgetcfg.Load(filepath.Join(dir, "missing.json")); err == nil || !strings.HasPrefix(err.Error(), "cannot read ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestPresetsAreValid(t *testing.T) {
	for _, name := range widgetcfg.PresetNames() {
		if err := widgetcfg.Presets[name]("pk_sandbox_12345678").Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(widgetcfg.PresetNames()) != 3 {
		t.Errorf("presets %v", widgetcfg.PresetNames())
	}
}

func TestMaskedLeavesTheOriginalAlone(t *testing.T) {
	c := valid()
	m := c.Masked()
	if m.Identity.UserSession.SessionSecret != widgetcfg.Mask || c.Identity.UserSession.SessionSecret != "secret" {
		t.Errorf("masked %+v, original %+v", m.Identity.UserSession, c.Identity.UserSession)
	}
}

// The JSON a person reads and saves shows text as typed: "<script", not
// "\u003cscript", in known fields and in fields kept from a newer version.
func TestTextIsWrittenAsTyped(t *testing.T) {
	c := valid()
	c.PartnerRef = `<script>alert("&")</script>`
	if err := json.Unmarshal([]byte(`{"future_note":"a < b && c > d"}`), &c.Extra); err != nil {
		t.Fatal(err)
	}
	c.FundingDefault = &widgetcfg.Default{Currency: "USD", Extra: widgetcfg.Extra{"<tag>": json.RawMessage(`"x"`)}}
	out, err := c.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"partner_ref": "<script>alert(\"&\")</script>"`, `"future_note": "a < b && c > d"`, `"<tag>": "x"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
	var back widgetcfg.Config
	if err := json.Unmarshal(out, &back); err != nil || back.PartnerRef != c.PartnerRef {
		t.Errorf("read back %q, %v", back.PartnerRef, err)
	}
}
