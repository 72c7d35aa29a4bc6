// Package seedaccounts is the Liquid account shape of seed 001 as the
// emulators serve it (QEX's accounts call and the Liquid exchange's share
// it): the fields in the service's key order, nulls as nil pointers.
package seedaccounts

import (
	"fmt"
	"strings"
)

// Common holds the fields crypto and fiat accounts share.
type Common struct {
	ID                       int     `json:"id"`
	Currency                 string  `json:"currency"`
	Balance                  string  `json:"balance"`
	ReservedBalance          string  `json:"reserved_balance"`
	PusherChannel            string  `json:"pusher_channel"`
	LowestOfferInterestRate  *string `json:"lowest_offer_interest_rate"`
	HighestOfferInterestRate *string `json:"highest_offer_interest_rate"`
}

// Crypto is a crypto account.
type Crypto struct {
	Common
	Address         *string `json:"address"`
	CurrencySymbol  string  `json:"currency_symbol"`
	MinimumWithdraw *string `json:"minimum_withdraw"`
	CurrencyType    string  `json:"currency_type"`
}

// Fiat is a fiat account.
type Fiat struct {
	Common
	CurrencySymbol   string  `json:"currency_symbol"`
	SendToBTCAddress *string `json:"send_to_btc_address"`
	ExchangeRate     *string `json:"exchange_rate"`
	CurrencyType     string  `json:"currency_type"`
}

// Ptr is a JSON string that is not null.
func Ptr(s string) *string { return &s }

// Of makes the accounts of the user with userID.
type Of int

func (user Of) common(id int, ccy, balance, reserved string) Common {
	return Common{
		ID: id, Currency: ccy, Balance: balance, ReservedBalance: reserved,
		PusherChannel: fmt.Sprintf("user_%d_account_%s", user, strings.ToLower(ccy)),
	}
}

// Crypto is one of the user's crypto accounts.
func (user Of) Crypto(id int, ccy, symbol, balance, reserved string, address, minWithdraw *string) Crypto {
	return Crypto{Common: user.common(id, ccy, balance, reserved),
		Address: address, CurrencySymbol: symbol, MinimumWithdraw: minWithdraw, CurrencyType: "crypto"}
}

// Fiat is one of the user's fiat accounts; rate nil is a null exchange rate.
func (user Of) Fiat(id int, ccy, symbol, balance, reserved string, rate *string) Fiat {
	return Fiat{Common: user.common(id, ccy, balance, reserved),
		CurrencySymbol: symbol, ExchangeRate: rate, CurrencyType: "fiat"}
}
