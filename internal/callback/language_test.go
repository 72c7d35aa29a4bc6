package callback_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// The page the browser comes back to speaks the browser's language: a
// Japanese user who approved in Japanese is told so in Japanese.
func TestReturnPageFollowsAcceptLanguage(t *testing.T) {
	for accept, want := range map[string]string{
		"ja-JP,ja;q=0.9": `<html lang="ja">`,
		"en-US":          `<html lang="en">`,
	} {
		l, _, _ := listen(t)
		visit, err := testbrowser.GetIn(context.Background(), l.ReturnURL()+"&code=c", accept)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(visit.Body, want) || strings.Contains(want, "ja") != strings.Contains(visit.Body, "接続しました") {
			t.Errorf("Accept-Language %s: the page lacks %q:\n%s", accept, want, visit.Body)
		}
		if res := <-l.Results(); res.Err() != nil || res.Code != "c" {
			t.Errorf("the return was not received: %+v", res)
		}
	}
}
