package webpage

import "fmt"

// Funcs are the pages' translation functions: {{t .Lang "English"}} and
// {{tf .Lang "English %s" .Value}}. English is the key; a page without a
// .Lang, or a text with no translation, stays English.
var Funcs = map[string]any{
	"t": func(lang any, english string) string { return translate(lang, english) },
	"tf": func(lang any, format string, args ...any) string {
		return fmt.Sprintf(translate(lang, format), args...)
	},
}

func translate(lang any, english string) string {
	if lang == "ja" {
		if text, ok := japanese[english]; ok {
			return text
		}
	}
	return english
}

// japanese are the pages' words in Japanese, by their English.
var japanese = map[string]string{
	// The layout.
	"SANDBOX — test accounts only, no real funds move": "サンドボックス — テスト用アカウントのみ。実際の資金は動きません",
	"Liquid Sandbox":      "Liquid サンドボックス",
	"Sign in with Liquid": "Liquidでサインイン",
	"Signed in as":        "サインイン中：",
	"Deny":                "拒否",
	"Approve":             "承認",
	// QEX partner sessions.
	"Connect your Liquid account":                                    "Liquidアカウントを接続",
	"A Quick Exchange partner is asking to use your Liquid account.": "Quick Exchangeのパートナーが、あなたのLiquidアカウントの利用を求めています。",
	"Partner key":                                        "パートナーキー",
	"If you approve, the partner can:":                   "承認すると、パートナーは次のことができます：",
	"see your account balances":                          "口座の残高を見る",
	"start Quick Exchange transactions that you confirm": "あなたが確認したQuick Exchangeの取引を始める",
	"By approving you accept the":                        "承認すると、",
	"Quick Exchange terms of use":                        "Quick Exchange利用規約",
	"(after the terms of use)":                           "に同意したことになります。",
	// Liquid OAuth requests and OAuth 2.0.
	"Allow %s to use your Liquid account?":                                      "%sにLiquidアカウントの利用を許可しますか？",
	"If you approve, %s can:":                                                   "承認すると、%sは次のことができます：",
	"see your profile: name, email, country and verification status":            "プロフィール（名前、メールアドレス、国、本人確認の状況）を見る",
	"see your crypto and fiat account balances":                                 "暗号資産と法定通貨の口座残高を見る",
	"It cannot trade, withdraw or change anything. This request expires at %s.": "取引、出金、変更は一切できません。このリクエストの有効期限は%sです。",
	"If you approve, %s gets these scopes:":                                     "承認すると、%sに次のスコープが与えられます：",
	"You will be sent back to %s.":                                              "承認後は%sに戻ります。",
	// EXchange.
	"EXchange Sandbox":                           "EXchange サンドボックス",
	"Authorize %s to use your EXchange account?": "%sにEXchangeアカウントの利用を許可しますか？",
	"If you approve, %s may:":                    "承認すると、%sは次のことができます：",
	"Authorize":                                  "許可",
	"read your profile and balances":             "プロフィールと残高を読む",
	"read your orders and trades":                "注文と約定を読む",
	"buy and sell on markets":                    "市場で売買する",
}
