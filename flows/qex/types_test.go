package qex_test

import (
	"encoding/json"
	"testing"

	"github.com/qexcompanion/qex-companion/flows/accounts"
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

	var acc accounts.Accounts
	if err := json.Unmarshal(readTestdata(t, "seed001_accounts.json"), &acc); err != nil {
		t.Fatal(err)
	}
	if len(acc.CryptoAccounts) != 1 || len(acc.FiatAccounts) != 1 {
		t.Fatalf("seed 001 accounts decoded as %+v", acc)
	}
	all := acc.All()
	if all[0].Currency != "BTC" || all[1].Currency != "USD" || all[1].ExchangeRate != "1.0" || all[1].SendToBTCAddress != "" {
		t.Errorf("All() = %+v", all)
	}
}
