package accounts_test

import (
	"encoding/json"
	"testing"

	"github.com/qexcompanion/qex-companion/flows/accounts"
)

func TestDecimalsStayExact(t *testing.T) {
	var a accounts.Account
	err := json.Unmarshal([]byte(`{
		"id": 12345678901234567890,
		"balance": 0.100000000000000000000000000001,
		"reserved_balance": "123456789012345678901234567890.000000000000000001",
		"lowest_offer_interest_rate": null,
		"minimum_withdraw": 1e-8,
		"currency_symbol": "Ξ",
		"a_field_from_the_future": {"nested": [1, 2, 3]},
		"currency_type": "crypto"
	}`), &a)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"id":        {string(a.ID), "12345678901234567890"},
		"balance":   {string(a.Balance), "0.100000000000000000000000000001"},
		"reserved":  {string(a.ReservedBalance), "123456789012345678901234567890.000000000000000001"},
		"min":       {string(a.MinimumWithdraw), "1e-8"},
		"symbol":    {a.CurrencySymbol, "Ξ"},
		"null rate": {string(a.LowestOfferInterestRate), ""},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func TestDecimalRejectsNonScalars(t *testing.T) {
	var a accounts.Account
	if err := json.Unmarshal([]byte(`{"balance": {"amount": 1}}`), &a); err == nil {
		t.Error("an object was accepted as a balance")
	}
}

func TestNullAccountListsAndIDs(t *testing.T) {
	var accounts accounts.Accounts
	if err := json.Unmarshal([]byte(`{"crypto_accounts": null, "fiat_accounts": [{"id": null, "id_string": "x", "currency": "EUR", "balance": null}]}`), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts.All()) != 1 || accounts.FiatAccounts[0].ID != "" || !accounts.FiatAccounts[0].Balance.IsNull() {
		t.Errorf("decoded %+v", accounts)
	}
}
