package widgetcfg

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Extra holds the JSON fields a type does not know, so that a file written
// by a newer widget version survives being loaded and saved here.
type Extra map[string]json.RawMessage

// marshalKeepingExtra writes v (of a type without its own MarshalJSON) and
// then extra's fields, in name order, so output stays stable.
func marshalKeepingExtra(v any, extra Extra) ([]byte, error) {
	b, err := marshalAsWritten(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // without the closing brace
	first := len(b) == 2    // "{}"
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		key, _ := marshalAsWritten(name)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(extra[name])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshalAsWritten is json.Marshal without HTML escaping: a configuration is
// shown, printed and saved with its text as typed ("<", not "\u003c"). It
// never goes into HTML: the widget host serves it as application/json.
func marshalAsWritten(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// unmarshalKeepingExtra reads data into v (a pointer to a type without its
// own UnmarshalJSON) and returns the fields v's type does not know.
func unmarshalKeepingExtra[T any](data []byte, v *T) (Extra, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	known := jsonNames(reflect.TypeFor[T]())
	var extra Extra
	for name, raw := range all {
		if !known[name] {
			if extra == nil {
				extra = Extra{}
			}
			extra[name] = raw
		}
	}
	return extra, nil
}

// jsonNames are the JSON field names a struct type knows.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		if name, _, _ := strings.Cut(tag, ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// Each type below reads and writes itself through the two helpers, via a
// local copy of its type without methods.

func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	return marshalKeepingExtra(plain(c), c.Extra)
}

func (c *Config) UnmarshalJSON(b []byte) error {
	type plain Config
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*c, c.Extra = Config(p), extra
	return err
}

func (d Default) MarshalJSON() ([]byte, error) {
	type plain Default
	return marshalKeepingExtra(plain(d), d.Extra)
}

func (d *Default) UnmarshalJSON(b []byte) error {
	type plain Default
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*d, d.Extra = Default(p), extra
	return err
}

func (s Settlement) MarshalJSON() ([]byte, error) {
	type plain Settlement
	return marshalKeepingExtra(plain(s), s.Extra)
}

func (s *Settlement) UnmarshalJSON(b []byte) error {
	type plain Settlement
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*s, s.Extra = Settlement(p), extra
	return err
}

func (p InputParameters) MarshalJSON() ([]byte, error) {
	type plain InputParameters
	return marshalKeepingExtra(plain(p), p.Extra)
}

func (p *InputParameters) UnmarshalJSON(b []byte) error {
	type plain InputParameters
	var v plain
	extra, err := unmarshalKeepingExtra(b, &v)
	*p, p.Extra = InputParameters(v), extra
	return err
}

func (t TypedValue) MarshalJSON() ([]byte, error) {
	type plain TypedValue
	return marshalKeepingExtra(plain(t), t.Extra)
}

func (t *TypedValue) UnmarshalJSON(b []byte) error {
	type plain TypedValue
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*t, t.Extra = TypedValue(p), extra
	return err
}

func (i Identity) MarshalJSON() ([]byte, error) {
	type plain Identity
	return marshalKeepingExtra(plain(i), i.Extra)
}

func (i *Identity) UnmarshalJSON(b []byte) error {
	type plain Identity
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*i, i.Extra = Identity(p), extra
	return err
}

func (u UserSession) MarshalJSON() ([]byte, error) {
	type plain UserSession
	return marshalKeepingExtra(plain(u), u.Extra)
}

func (u *UserSession) UnmarshalJSON(b []byte) error {
	type plain UserSession
	var p plain
	extra, err := unmarshalKeepingExtra(b, &p)
	*u, u.Extra = UserSession(p), extra
	return err
}
