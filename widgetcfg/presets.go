package widgetcfg

import "slices"

// Presets are starting points for partners, by name.
var Presets = map[string]func(publicAPIKey string) Config{
	"Buy crypto with card": func(key string) Config {
		return Config{PublicAPIKey: key, ConfigVersion: ConfigVersion, Theme: "light", UserLocale: "en",
			FundingSettlement: &Settlement{Method: "CARD_PAYMENT", Currency: "USD", CurrencyScheme: SchemeFiat, Quantity: "100"},
			PayoutDefault:     &Default{Currency: "BTC", CurrencyScheme: SchemeCrypto, CurrencyOptions: []string{"BTC", "ETH", "USDT"}},
		}
	},
	"Sell to wallet": func(key string) Config {
		return Config{PublicAPIKey: key, ConfigVersion: ConfigVersion, Theme: "light", UserLocale: "en",
			FundingDefault:   &Default{Currency: "ETH", CurrencyScheme: SchemeCrypto, Quantity: "0.5"},
			PayoutSettlement: &Settlement{Method: "LIQUID_WALLET", Currency: "USD", CurrencyScheme: SchemeFiat},
		}
	},
	"E-commerce intent": func(key string) Config {
		return Config{PublicAPIKey: key, ConfigVersion: ConfigVersion, Theme: "light", UserLocale: "en",
			Intent:         "int_sandbox_checkout_0001",
			PartnerOrderID: "ORDER-10001",
			PartnerTags:    []string{"checkout", "sandbox"},
			PayoutSettlement: &Settlement{Method: "LIQUID_PARTNER_WALLET", Currency: "USDT", CurrencyScheme: SchemeCrypto, Quantity: "25",
				InputParameters: &InputParameters{TransactionKey: &TypedValue{Type: "MEMO_ID", Value: "ORDER-10001"}}},
		}
	},
}

// PresetNames lists the presets in a stable order.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for name := range Presets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
