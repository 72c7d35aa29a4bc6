package qex

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/qexcompanion/qex-companion/internal/sandbox/seedaccounts"
)

// sandboxUser is the Liquid user every sandbox session belongs to.
var sandboxUser = struct {
	ID       int
	Name     string
	Initials string
	Email    string
}{ID: 1111, Name: "Sandy Box", Initials: "SB", Email: "sandy.box@sandbox.liquid.test"}

// seededAccounts returns the sandbox user's accounts: several currencies,
// Unicode symbols, long decimals, zero balances and nulls.
func seededAccounts() ([]seedaccounts.Crypto, []seedaccounts.Fiat) {
	user := seedaccounts.Of(sandboxUser.ID)
	crypto, fiat, ptr := user.Crypto, user.Fiat, seedaccounts.Ptr
	btc := crypto(1111, "BTC", "₿", "0.06", "0.0", ptr("1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM"), ptr("0.02"))
	btc.LowestOfferInterestRate, btc.HighestOfferInterestRate = ptr("0.00002"), ptr("0.00200")
	qash := crypto(1116, "QASH", "Q", "98765432.10", "1234.5", ptr("0x618e75ac90b12c6049ba3b27f5d5f8651b0037f6"), ptr("50"))
	qash.LowestOfferInterestRate, qash.HighestOfferInterestRate = ptr("0.0001"), ptr("0.0010")
	cryptos := []seedaccounts.Crypto{
		btc,
		crypto(1112, "ETH", "Ξ", "12.345678901234567891", "0.5", ptr("0x5a0b54d5dc17e0aadc383d2db43b0a0d3e029c4c"), ptr("0.01")),
		crypto(1113, "XRP", "✕", "1250.000001", "0.0", nil, ptr("20")),
		crypto(1114, "USDT", "₮", "0.000000000000000001", "0.0", ptr("0x8f3cf7ad23cd3cadbd9735aff958023239c6a063"), ptr("10")),
		crypto(1115, "LTC", "Ł", "0.0", "0.0", nil, nil),
		qash,
	}
	fiats := []seedaccounts.Fiat{
		fiat(979984, "USD", "$", "0.00726", "0.0", ptr("1.0")),
		fiat(979985, "JPY", "¥", "1234567", "1000", ptr("0.0067")),
		fiat(979986, "EUR", "€", "250.5", "0.0", ptr("1.0845")),
		fiat(979987, "SGD", "S$", "0.0", "0.0", ptr("0.7412")),
		fiat(979988, "PHP", "₱", "15000.75", "250.25", ptr("0.0171")),
	}
	return cryptos, fiats
}

// depositAddress derives a stable, fake deposit address for a currency.
func depositAddress(ccy string) string {
	sum := sha256.Sum256([]byte("sandbox deposit " + ccy))
	return "sbx1" + hex.EncodeToString(sum[:16])
}

// settlementCurrencies is what GET /api/v1/settlement/currencies lists.
var settlementCurrencies = []map[string]any{
	settlementCurrency("BTC", "₿", "Bitcoin", "CRYPTO", []string{"BLOCKCHAIN_TRANSFER", "BLOCKCHAIN_DELEGATED_BROADCAST"}, []string{"BLOCKCHAIN_TRANSFER", "LIQUID_WALLET", "LIQUID_USER_WALLET"}),
	settlementCurrency("ETH", "Ξ", "Ethereum", "CRYPTO", []string{"BLOCKCHAIN_TRANSFER"}, []string{"BLOCKCHAIN_TRANSFER", "LIQUID_WALLET"}),
	settlementCurrency("USDT", "₮", "Tether", "CRYPTO", []string{"BLOCKCHAIN_TRANSFER"}, []string{"BLOCKCHAIN_TRANSFER", "LIQUID_PARTNER_WALLET"}),
	settlementCurrency("USD", "$", "US Dollar", "FIAT", []string{"CARD_PAYMENT"}, []string{"LIQUID_WALLET"}),
	settlementCurrency("EUR", "€", "Euro", "FIAT", []string{"CARD_PAYMENT"}, []string{}),
	settlementCurrency("JPY", "¥", "Japanese Yen", "FIAT", []string{"CARD_PAYMENT"}, []string{"LIQUID_WALLET"}),
}

func settlementCurrency(ccy, symbol, label, kind string, funding, payout []string) map[string]any {
	return map[string]any{
		"symbol":   symbol,
		"icon":     "/static/icons/" + strings.ToLower(ccy) + ".svg",
		"label":    label,
		"type":     kind,
		"ccy_code": ccy,
		"settlement": map[string][]string{
			"funding": funding,
			"payout":  payout,
		},
	}
}
