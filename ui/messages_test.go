package ui

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// templateAction is a template's {{…}}, whatever it does.
var templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)

var fieldName = regexp.MustCompile(`\.(\w+)`)

// messageFields are the parameters a template fills in, in any action
// ({{.Host}}, {{printf "%q" .Said}}).
func messageFields(s string) []string {
	var names []string
	for _, action := range templateAction.FindAllString(s, -1) {
		for _, m := range fieldName.FindAllStringSubmatch(action, -1) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Every kind of the flows' catalogue has a Japanese template that fills
// in the same parameters; one that quotes the server does so in 「」 after
// a lead-in, never inside a Japanese sentence of its own; and none is left
// in English.
func TestEveryMessageKindHasAJapaneseTemplate(t *testing.T) {
	data, err := os.ReadFile("translations/ja.json")
	if err != nil {
		t.Fatal(err)
	}
	var ja map[string]string
	if err := json.Unmarshal(data, &ja); err != nil {
		t.Fatal(err)
	}
	kinds := msg.Kinds()
	for _, k := range kinds {
		text, ok := ja[k.ID()]
		if !ok {
			t.Errorf("%s (%q) has no Japanese template in translations/ja.json", k.ID(), k.English())
			continue
		}
		if got, want := messageFields(text), messageFields(k.English()); !slices.Equal(got, want) {
			t.Errorf("%s: the Japanese fills in %v, the English %v", k.ID(), got, want)
		}
		if strings.Contains(k.English(), ".Said") && !strings.Contains(text, "サーバーの応答：「{{.Said}}」") {
			t.Errorf("%s: the server's words are not quoted as its own: %q", k.ID(), text)
		}
		if english := untranslated.Find(templateAction.ReplaceAllString(text, "·")); english != "" {
			t.Errorf("%s: the Japanese template still says %q: %q", k.ID(), english, text)
		}
	}
	for _, key := range []string{foreignKey, "msg.sentence"} {
		if _, ok := ja[key]; !ok {
			t.Errorf("the window's own %s has no Japanese template", key)
		}
	}
}

// The window renders a failure through lang: the Japanese of each layer,
// with the server's words quoted, and the causes still there for
// errors.Is.
func TestTheWindowRendersFailuresInJapanese(t *testing.T) {
	useJapanese(t)
	refused := msg.CallRefused.Err(msg.Args{"Call": msg.Call("create session"), "Host": "127.0.0.1:9", "Setting": msg.SettingAPIBase}, errors.ErrUnsupported)
	if got, want := sayErr(refused), "セッションの作成に失敗しました：127.0.0.1:9で応答するサーバーがありません（接続を拒否されました）。APIベースURLを確認するか、サーバーを起動してください"; got != want {
		t.Errorf("a refused connection reads\n  %s\nwant\n  %s", got, want)
	}
	waiting := flows.Waiting{Reason: msg.ServerSays.New(msg.Args{"Said": msg.Said("Session not authorized: the user has not approved it yet.")})}
	if got, want := say(waiting.Reason), "サーバーの応答：「Session not authorized: the user has not approved it yet.」"; got != want {
		t.Errorf("a waiting reason reads %q, want %q", got, want)
	}
	if got := sayErr(errors.New("open /x: permission denied")); got != "「open /x: permission denied」" {
		t.Errorf("a foreign error reads %q", got)
	}
	if got := sayEvent(flows.Approved{Via: msg.ViaPolling}); got != "承認されました（定期確認で検知）" {
		t.Errorf("an event summary reads %q", got)
	}
}
