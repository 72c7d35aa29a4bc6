package untranslated

import "testing"

func TestFind(t *testing.T) {
	for text, want := range map[string]string{
		"セッションの作成に失敗しました：サーバーの応答：「Not authorized: the user said no」": "",
		"QEX APIのJSONではありません（HTTP 200）":                              "",
		"承認待ち（server: Session not authorized）":                       "server: Session not",
		"「a 「nested」 quote」 then some English words":                 "then some English",
		"Create session failed: nothing answers":                     "Create session failed",
	} {
		if got := Find(text); got != want {
			t.Errorf("Find(%q) = %q, want %q", text, got, want)
		}
	}
}
