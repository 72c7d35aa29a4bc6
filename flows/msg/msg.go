// Package msg is the catalogue of what the app tells people: every failure,
// waiting reason, field problem and event summary that flows, the providers
// and widgetcfg report is a Message, a Kind and its parameters, not a
// sentence. The English templates live here (the terminal renders them);
// a front end renders the same values in its own language from templates
// keyed by Kind.ID.
//
// What a server says stays the server's: it is a Said parameter, which a
// translation quotes and marks as the server's instead of splicing it into
// its own sentence.
package msg

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Kind is one message of the catalogue. Kinds exist only as the package's
// variables, so each has an English template.
type Kind struct{ id string }

var catalogue = map[string]*englishTemplate{}

// englishTemplate is a kind's English template, parsed when first
// rendered: parsing all of them at start-up cost every run, even one that
// says nothing, about 1.5 ms and 1 MB of garbage.
type englishTemplate struct {
	id, text string
	once     sync.Once
	t        *template.Template
	err      error
}

func (e *englishTemplate) parsed() (*template.Template, error) {
	e.once.Do(func() { e.t, e.err = template.New(e.id).Option("missingkey=error").Parse(e.text) })
	return e.t, e.err
}

// define adds a kind with its English template (text/template syntax over
// the message's Args). Not inlined: 310 inlined copies would add 50 KB of
// code that runs once.
//
//go:noinline
func define(id, english string) Kind {
	if _, dup := catalogue[id]; dup {
		panic("msg: kind " + id + " defined twice")
	}
	catalogue[id] = &englishTemplate{id: id, text: english}
	return Kind{id}
}

// slug makes words an ID: lower case, dashes for the rest.
func slug(words string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, words), "-")
}

// ID names the kind in translations: "msg." and a short name.
func (k Kind) ID() string { return "msg." + k.id }

// English is the kind's English template.
func (k Kind) English() string { return catalogue[k.id].text }

// Kinds lists the whole catalogue, sorted by ID.
func Kinds() []Kind {
	ids := slices.Sorted(maps.Keys(catalogue))
	kinds := make([]Kind, len(ids))
	for i, id := range ids {
		kinds[i] = Kind{id}
	}
	return kinds
}

// Args are a message's parameters by template name. A value may be a
// string, a number, a time.Duration, a Said (the server's words), a Kind or
// Message (rendered in the same language), or an error (its Message when it
// has one; otherwise its text, which is no sentence of ours).
type Args map[string]any

// Said is text a server sent (already cleaned to one line): shown as the
// server's, never translated.
type Said string

// Detail is text that is none of the catalogue's (an operating system's
// or a library's error, a component's note): shown as it is, marked as
// such in a translation.
type Detail string

// Foreign is a message that is only a Detail.
var Foreign = define("foreign", "{{.Text}}")

// FromError is err's message, or its text as a Foreign detail.
func FromError(err error) Message {
	if m, ok := Of(err); ok {
		return m
	}
	return Foreign.New(Args{"Text": Detail(err.Error())})
}

// Message is a kind with its parameters.
type Message struct {
	Kind Kind
	Args Args
}

// New makes a message of kind k.
func (k Kind) New(args Args) Message { return Message{Kind: k, Args: args} }

// String is the message in English.
func (m Message) String() string { return m.Render(English) }

// IsZero tells a message that was never set.
func (m Message) IsZero() bool { return m.Kind.id == "" }

// Renderer puts a message into one language.
type Renderer interface {
	// Execute fills kind's template in the renderer's language with args,
	// whose values are already rendered.
	Execute(kind Kind, args map[string]any) string
	// Foreign shows text that is none of the catalogue's: an operating
	// system's or a library's error.
	Foreign(text string) string
}

// Render renders m, and the messages among its parameters, with r.
func (m Message) Render(r Renderer) string {
	if m.IsZero() {
		return ""
	}
	args := make(map[string]any, len(m.Args))
	for name, v := range m.Args {
		args[name] = renderArg(v, r)
	}
	return r.Execute(m.Kind, args)
}

func renderArg(v any, r Renderer) any {
	switch v := v.(type) {
	case Message:
		return v.Render(r)
	case Kind:
		return v.New(nil).Render(r)
	case Said:
		return string(v)
	case Detail:
		return r.Foreign(string(v))
	case time.Duration:
		return v.String()
	case error:
		return RenderError(v, r)
	case nil:
		return ""
	}
	return v
}

// RenderError renders err with r: its Message when it has one, its own
// text marked as foreign otherwise.
func RenderError(err error, r Renderer) string {
	if m, ok := Of(err); ok {
		return m.Render(r)
	}
	return r.Foreign(err.Error())
}

// Of is err's message (an error with one has a Msg method), looking through wrappers that add no words of their
// own (a field's error, a marker such as "keep waiting").
func Of(err error) (Message, bool) {
	for err != nil {
		if m, ok := err.(interface{ Msg() Message }); ok {
			return m.Msg(), true
		}
		next := errors.Unwrap(err)
		if next == nil || next.Error() != err.Error() {
			return Message{}, false
		}
		err = next
	}
	return Message{}, false
}

// English renders the catalogue's own templates.
var English Renderer = english{}

type english struct{}

func (english) Execute(k Kind, args map[string]any) string {
	e, ok := catalogue[k.id]
	if !ok {
		return k.id
	}
	t, err := e.parsed()
	var b strings.Builder
	if err == nil {
		err = t.Execute(&b, args)
	}
	if err != nil {
		return fmt.Sprintf("%s %v", k.id, args) // a missing parameter: a test catches it
	}
	return b.String()
}

func (english) Foreign(text string) string { return text }

// Error is a failure whose text is a Message; it wraps its causes, so
// errors.Is and errors.As still find them.
type Error struct {
	msg    Message
	causes []error
}

// Err makes an error of kind k wrapping causes (nil ones are left out).
func (k Kind) Err(args Args, causes ...error) *Error {
	e := &Error{msg: k.New(args)}
	for _, c := range causes {
		if c != nil {
			e.causes = append(e.causes, c)
		}
	}
	return e
}

func (e *Error) Error() string   { return e.msg.String() }
func (e *Error) Msg() Message    { return e.msg }
func (e *Error) Unwrap() []error { return e.causes }
