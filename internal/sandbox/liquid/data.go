package liquid

import "github.com/qexcompanion/qex-companion/internal/sandbox/seedaccounts"

// sandboxUser is the Liquid user who approves every request. The name is
// Japanese so clients exercise non-Latin rendering.
var sandboxUser = struct {
	ID        int
	FirstName string
	LastName  string
	Email     string
}{ID: 1111, FirstName: "花子", LastName: "山田", Email: "hanako.yamada@sandbox.liquid.test"}

// userContext is GET /user/context, with every field of seed 001, in its order.
type userContext struct {
	UserID            int                 `json:"user_id"`
	TokenID           string              `json:"token_id"`
	TradingAccountIDs []int               `json:"trading_account_ids"`
	AppVendorID       int                 `json:"app_vendor_id"`
	Country           string              `json:"country"`
	Status            string              `json:"status"`
	Currency          string              `json:"currency"`
	Language          string              `json:"language"`
	UserType          string              `json:"user_type"`
	HasProofAddress   bool                `json:"has_proof_address"`
	HasIDDocument     bool                `json:"has_id_document"`
	Avatar            *string             `json:"avatar"`
	AffiliateCode     string              `json:"affiliate_code"`
	IsFullyVerified   bool                `json:"is_fully_verified"`
	EmailConfirmedAt  int64               `json:"email_confirmed_at"`
	DeclinedReason    *string             `json:"declined_reason"`
	Modules           map[string][]string `json:"modules"`
	FirstName         string              `json:"first_name"`
	LastName          string              `json:"last_name"`
	Email             string              `json:"email"`
	Permissions       []string            `json:"permissions"`
}

// seededUserContext is the sandbox user as seen through tokenID.
func seededUserContext(tokenID string) userContext {
	return userContext{
		UserID:            sandboxUser.ID,
		TokenID:           tokenID,
		TradingAccountIDs: []int{52011, 52012},
		AppVendorID:       7,
		Country:           "JP",
		Status:            "approved",
		Currency:          "JPY",
		Language:          "ja",
		UserType:          "individual",
		HasProofAddress:   true,
		HasIDDocument:     true,
		AffiliateCode:     "SBX7JQ2",
		IsFullyVerified:   true,
		EmailConfirmedAt:  1577836800, // 2020-01-01T00:00:00Z, epoch seconds
		Modules: map[string][]string{
			"exchange": {"spot", "margin"},
			"lending":  {"offer"},
		},
		FirstName:   sandboxUser.FirstName,
		LastName:    sandboxUser.LastName,
		Email:       sandboxUser.Email,
		Permissions: []string{"read_user", "read_accounts"},
	}
}

// seededAccounts returns the sandbox user's accounts: seed 001's BTC and USD
// accounts verbatim, plus long and tiny decimals, zero balances, nulls and
// Unicode symbols.
func seededAccounts() ([]seedaccounts.Crypto, []seedaccounts.Fiat) {
	user := seedaccounts.Of(sandboxUser.ID)
	crypto, fiat, ptr := user.Crypto, user.Fiat, seedaccounts.Ptr
	btc := crypto(1111, "BTC", "₿", "0.06", "0.0", ptr("1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM"), ptr("0.02"))
	btc.LowestOfferInterestRate, btc.HighestOfferInterestRate = ptr("0.00002"), ptr("0.00200")
	cryptos := []seedaccounts.Crypto{
		btc,
		crypto(1112, "ETH", "Ξ", "12.345678901234567890", "0.5", ptr("0x5a0b54d5dc17e0aadc383d2db43b0a0d3e029c4c"), ptr("0.01")),
		crypto(1113, "USDT", "₮", "0.000000000000000001", "0.0", ptr("0x8f3cf7ad23cd3cadbd9735aff958023239c6a063"), ptr("10")),
		crypto(1114, "LTC", "Ł", "0.0", "0.0", nil, nil),
	}
	fiats := []seedaccounts.Fiat{
		fiat(979984, "USD", "$", "0.00726", "0.0", ptr("1.0")),
		fiat(979985, "JPY", "¥", "1234567", "1000", ptr("0.0067")),
		fiat(979986, "EUR", "€", "0", "0", nil),
	}
	return cryptos, fiats
}
