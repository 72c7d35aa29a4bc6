package qex_test

import (
	"encoding/json"
	"testing"

	"github.com/qexcompanion/qex-companion/flows/qex"
)

func TestDecodeSeedSamples(t *testing.T) {
	var env struct {
		Success     bool        `json:"success"`
		Environment string      `json:"environment"`
		Payload     qex.Session `json:"payload"`
	}
	if err := json.Unmarshal(readTestdata(t, "seed000_create_session.json"), &env); err != nil {
		t.Fatal(err)
	}
	if !env.Success || env.Environment != "PRODUCTION" || env.Payload.PublicAPIKey != "pk_xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" ||
		env.Payload.SessionSecret == "" || env.Payload.ClientInfo.IPCountry != "JP" {
		t.Errorf("seed 000 session decoded as %+v", env)
	}

	var accounts qex.Accounts
	if err := json.Unmarshal(readTestdata(t, "seed001_accounts.json"), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts.CryptoAccounts) != 1 || len(accounts.FiatAccounts) != 1 {
		t.Fatalf("seed 001 accounts decoded as %+v", accounts)
	}
	all := accounts.All()
	if all[0].Currency != "BTC" || all[1].Currency != "USD" || all[1].ExchangeRate != "1.0" || all[1].SendToBTCAddress != "" {
		t.Errorf("All() = %+v", all)
	}
}

func TestDecimalsStayExact(t *testing.T) {
	var a qex.Account
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
	var a qex.Account
	if err := json.Unmarshal([]byte(`{"balance": {"amount": 1}}`), &a); err == nil {
		t.Error("an object was accepted as a balance")
	}
}

func TestNullAccountListsAndIDs(t *testing.T) {
	var accounts qex.Accounts
	if err := json.Unmarshal([]byte(`{"crypto_accounts": null, "fiat_accounts": [{"id": null, "id_string": "x", "currency": "EUR", "balance": null}]}`), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts.All()) != 1 || accounts.FiatAccounts[0].ID != "" || !accounts.FiatAccounts[0].Balance.IsNull() {
		t.Errorf("decoded %+v", accounts)
	}
}

func TestDecimalIsZero(t *testing.T) {
	for d, want := range map[qex.Decimal]bool{"": true, "0": true, "0.0": true, "-0.000": true, "0.00000001": false, "10": false, "1e-8": false} {
		if d.IsZero() != want {
			t.Errorf("Decimal(%q).IsZero() = %v", d, !want)
		}
	}
}
