// Package accounts decodes the Liquid account shapes (seed 001), which the
// QEX partner API and the Liquid exchange API share, into exact decimals,
// and turns them into the provider-neutral balances every front end shows.
package accounts

import (
	"encoding/json"
	"github.com/qexcompanion/qex-companion/flows/msg"

	"github.com/qexcompanion/qex-companion/flows"
)

// ID is an account or user identifier. Servers send numbers, but the field is
// kept as text so that large ids and string ids both survive.
type ID string

// UnmarshalJSON accepts a JSON number, a string or null, as Decimal does.
func (id *ID) UnmarshalJSON(b []byte) error {
	var text flows.Decimal
	if err := text.UnmarshalJSON(b); err != nil {
		return msg.IDReason.Err(msg.Args{"Err": err}, err)
	}
	*id = ID(text)
	return nil
}

// Account is a crypto or fiat account, with every field of the Liquid account
// shape (crypto accounts have Address and MinimumWithdraw; fiat accounts have
// SendToBTCAddress and ExchangeRate).
type Account struct {
	ID                       ID            `json:"id"`
	Currency                 string        `json:"currency"`
	Balance                  flows.Decimal `json:"balance"`
	ReservedBalance          flows.Decimal `json:"reserved_balance"`
	PusherChannel            string        `json:"pusher_channel"`
	LowestOfferInterestRate  flows.Decimal `json:"lowest_offer_interest_rate"`
	HighestOfferInterestRate flows.Decimal `json:"highest_offer_interest_rate"`
	Address                  string        `json:"address,omitempty"`
	CurrencySymbol           string        `json:"currency_symbol"`
	MinimumWithdraw          flows.Decimal `json:"minimum_withdraw,omitempty"`
	SendToBTCAddress         string        `json:"send_to_btc_address,omitempty"`
	ExchangeRate             flows.Decimal `json:"exchange_rate,omitempty"`
	CurrencyType             string        `json:"currency_type"`
}

// DepositAddress returns the address to send funds to, whichever field the
// server used for it.
func (a Account) DepositAddress() string {
	if a.Address != "" {
		return a.Address
	}
	return a.SendToBTCAddress
}

// Accounts is the answer of an accounts call. Decoding refuses an answer
// without both lists: "no accounts" is two empty lists, and an answer
// missing one would show half the balances as if they were all. A null
// list counts as empty.
type Accounts struct {
	CryptoAccounts []Account `json:"crypto_accounts"`
	FiatAccounts   []Account `json:"fiat_accounts"`
}

// UnmarshalJSON implements the check above.
func (a *Accounts) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return msg.AccountsShape.Err(nil)
	}
	var missing []string
	for _, name := range []string{"crypto_accounts", "fiat_accounts"} {
		if _, ok := fields[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		var lists any = missing[0]
		if len(missing) == 2 {
			lists = msg.Or.New(msg.Args{"A": missing[0], "B": missing[1]})
		}
		return msg.AccountsNoList.Err(msg.Args{"Lists": lists})
	}
	type lists Accounts // without this method
	return json.Unmarshal(b, (*lists)(a))
}

// All returns crypto accounts first, then fiat accounts.
func (a *Accounts) All() []Account {
	all := make([]Account, 0, len(a.CryptoAccounts)+len(a.FiatAccounts))
	all = append(all, a.CryptoAccounts...)
	return append(all, a.FiatAccounts...)
}

// Balances returns the accounts as provider-neutral balances, crypto first.
func (a *Accounts) Balances() *flows.Balances {
	all := a.All()
	b := &flows.Balances{Accounts: make([]flows.Account, len(all))}
	for i, acc := range all {
		b.Accounts[i] = flows.Account{
			Currency: acc.Currency,
			Symbol:   acc.CurrencySymbol,
			Balance:  acc.Balance,
			Reserved: acc.ReservedBalance,
			Type:     acc.CurrencyType,
		}
	}
	return b
}
