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
	// The message pages: their titles, then their texts.
	"Access approved":                 "アクセスを承認しました",
	"Access denied":                   "アクセスを拒否しました",
	"Already approved":                "承認済みです",
	"Already denied":                  "拒否済みです",
	"Bad request":                     "リクエストが正しくありません",
	"Bad return address":              "戻り先のアドレスが正しくありません",
	"Liquid is unavailable":           "Liquidを利用できません",
	"Method not allowed":              "この方法では開けません",
	"Request denied":                  "リクエストを拒否しました",
	"Request expired":                 "リクエストの期限が切れました",
	"Request not decided":             "リクエストは決まっていません",
	"Request not found":               "リクエストが見つかりません",
	"Sandbox error":                   "サンドボックスのエラー",
	"Session not found":               "セッションが見つかりません",
	"This form has expired":           "このフォームは期限切れです",
	"This form is not valid":          "このフォームは無効です",
	"This sign-in is no longer valid": "このサインインはもう有効ではありません",
	"Unknown application":             "不明なアプリケーションです",
	"Unregistered return address":     "登録されていない戻り先です",
	"You're connected":                "接続しました",
	"%[1]s can now see your profile and balances. You can close this window and return to %[1]s.": "%[1]sがプロフィールと残高を見られるようになりました。このウィンドウを閉じて%[1]sに戻ってください。",
	"Nothing was shared. You can close this window and return to %s.":                             "何も共有されていません。このウィンドウを閉じて%sに戻ってください。",
	"You already approved this request. You can close this window and return to %s.":              "このリクエストはすでに承認されています。このウィンドウを閉じて%sに戻ってください。",
	"You already denied this request. Go back to %s to start again.":                              "このリクエストはすでに拒否されています。やり直すには%sに戻ってください。",
	"Choose Approve or Deny.":   "「承認」か「拒否」を選んでください。",
	"Choose Authorize or Deny.": "「許可」か「拒否」を選んでください。",
	"The form could not be read. Go back to the app and start again.":                                                      "フォームを読み取れませんでした。アプリに戻って、最初からやり直してください。",
	"The form could not be read. Reload the approval page and try again.":                                                  "フォームを読み取れませんでした。承認ページを再読み込みして、もう一度お試しください。",
	"The form could not be read. Reload the page and try again.":                                                           "フォームを読み取れませんでした。ページを再読み込みして、もう一度お試しください。",
	"The app sent a return_url that is not an absolute URL.":                                                               "アプリが送ったreturn_urlが絶対URLではありません。",
	"Liquid is under maintenance. Try again in a few minutes.":                                                             "Liquidはメンテナンス中です。数分後にもう一度お試しください。",
	"Open the approval link from %s in your browser.":                                                                      "%sから承認リンクをブラウザーで開いてください。",
	"Open the sign-in link from the app in your browser.":                                                                  "アプリからサインインのリンクをブラウザーで開いてください。",
	"Open this page in a browser.":                                                                                         "このページはブラウザーで開いてください。",
	"Nothing was shared. Close this window and return to your app.":                                                        "何も共有されていません。このウィンドウを閉じてアプリに戻ってください。",
	"This approval request has expired. Go back to %s and start again.":                                                    "この承認リクエストは期限切れです。%sに戻って、最初からやり直してください。",
	"Reload the approval page and try again.":                                                                              "承認ページを再読み込みして、もう一度お試しください。",
	"This approval link is not valid. Go back to %s and start again.":                                                      "この承認リンクは無効です。%sに戻って、最初からやり直してください。",
	"The page could not be shown.":                                                                                         "ページを表示できませんでした。",
	"%s Go back to the app and start again.":                                                                               "%sアプリに戻って、最初からやり直してください。",
	"Session not found.":                                                                                                   "セッションが見つかりません。",
	"Session not found: it was terminated.":                                                                                "セッションが見つかりません。終了されています。",
	"Session not found: it expired.":                                                                                       "セッションが見つかりません。期限が切れています。",
	"It expired, was already answered, or the form was not this page's. Go back to the app and start again.":               "期限切れか、すでに回答済みか、このページのフォームではありません。アプリに戻って、最初からやり直してください。",
	"This sign-in link names no registered application. Go back to the app and check its client id.":                       "このサインインのリンクは、登録されたアプリケーションを指していません。アプリに戻って、クライアントIDを確認してください。",
	"This sign-in link names no registered application. Go back to the app and start again.":                               "このサインインのリンクは、登録されたアプリケーションを指していません。アプリに戻って、最初からやり直してください。",
	"This sign-in link would send you to an address the application did not register. Go back to the app and start again.": "このサインインのリンクは、アプリケーションが登録していないアドレスに移動させようとしています。アプリに戻って、最初からやり直してください。",
	"Close this window and return to your app.":                                                                            "このウィンドウを閉じてアプリに戻ってください。",
	// The sandbox's index.
	"QEX Companion sandbox":                           "QEX Companion サンドボックス",
	"This is the QEX Companion sandbox. It emulates:": "これはQEX Companionのサンドボックスです。次のものを再現しています：",
	"QEX partner API":                                 "QEXパートナーAPI",
	"Liquid exchange OAuth requests API":              "Liquid取引所のOAuthリクエストAPI",
	"Liquid OAuth 2.0 service":                        "Liquid OAuth 2.0サービス",
	"LiquidCommerce API":                              "LiquidCommerce API",
	"EXchange API (behind a token broker)":            "EXchange API（トークンブローカー経由）",
}
