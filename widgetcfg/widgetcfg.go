// Package widgetcfg builds the configuration that the partner's embedded QEX
// widget is initialised with: which partner key it runs under and which user
// session it acts for.
package widgetcfg

import (
	"encoding/json"
	"errors"
	"strings"
)

// ConfigVersion is the widget configuration format this package writes.
const ConfigVersion = "1.2"

// Config is the widget configuration. Field order is the JSON key order, so
// output is stable across runs and diffs well.
type Config struct {
	PublicAPIKey  string    `json:"public_api_key"`
	ConfigVersion string    `json:"config_version"`
	Identity      *Identity `json:"identity,omitempty"`
}

// Identity tells the widget which user it acts for.
type Identity struct {
	UserSession *UserSession `json:"user_session,omitempty"`
}

// UserSession is an approved QEX partner session. SessionSecret is a secret:
// it signs every call made for the user.
type UserSession struct {
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
}

// ForSession returns the identity configuration for an approved session.
func ForSession(publicAPIKey, sessionID, sessionSecret string) Config {
	return Config{
		PublicAPIKey:  publicAPIKey,
		ConfigVersion: ConfigVersion,
		Identity: &Identity{UserSession: &UserSession{
			SessionID:     sessionID,
			SessionSecret: sessionSecret,
		}},
	}
}

// Validate reports every problem with c, one per line, each naming its field.
func (c Config) Validate() error {
	var problems []error
	if !strings.HasPrefix(c.PublicAPIKey, "pk_") {
		problems = append(problems, errors.New(`public_api_key: must start with "pk_"`))
	}
	if c.ConfigVersion == "" {
		problems = append(problems, errors.New("config_version: missing"))
	}
	if us := c.Identity; us != nil && us.UserSession != nil {
		if us.UserSession.SessionID == "" {
			problems = append(problems, errors.New("identity.user_session.session_id: missing"))
		}
		if us.UserSession.SessionSecret == "" {
			problems = append(problems, errors.New("identity.user_session.session_secret: missing"))
		}
	}
	return errors.Join(problems...)
}

// MarshalIndent renders c as indented JSON with a trailing newline, the form
// printed on stdout and written to files.
func (c Config) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Mask replaces a secret on screen until the user asks to see it.
const Mask = "••••••••••••••••"

// Masked returns a copy of c whose session secret is replaced by Mask.
func (c Config) Masked() Config {
	if c.Identity == nil || c.Identity.UserSession == nil {
		return c
	}
	us := *c.Identity.UserSession
	us.SessionSecret = Mask
	c.Identity = &Identity{UserSession: &us}
	return c
}
