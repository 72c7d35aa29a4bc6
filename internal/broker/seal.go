package broker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"

	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the key that seals refresh tokens: AES-256.
const KeySize = 32

// KeyEnvVar holds the sealing key for the command line, and OldKeysEnvVar
// the keys it replaces (separated by commas or spaces), which still open
// what they sealed until it is sealed again.
const (
	KeyEnvVar     = "BROKER_KEY"
	OldKeysEnvVar = "BROKER_OLD_KEYS"
)

// ParseKey reads a sealing key written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not) of 32 bytes, e.g. the output of
// `openssl rand -base64 32`.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("$%s must be %d random bytes written as 64 hex digits or as base64, e.g. the output of `openssl rand -base64 32`", KeyEnvVar, KeySize)
}

// ParseOldKeys reads $BROKER_OLD_KEYS: keys as ParseKey reads them,
// separated by commas or spaces; empty is none.
func ParseOldKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for field := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		key, err := ParseKey(field)
		if err != nil {
			return nil, fmt.Errorf("$%s holds a key that is not 32 random bytes as 64 hex digits or base64", OldKeysEnvVar)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// sealer encrypts what the database must not hold in clear (refresh tokens,
// user tokens) with AES-GCM under the current key, and opens with it or an
// old one. The grant id and the field's name are the additional data, so a
// sealed value copied to another row or column does not open.
type sealer struct{ aeads []cipher.AEAD } // the current key's first

func newSealer(key []byte, old ...[]byte) (*sealer, error) {
	s := &sealer{}
	for i, k := range append([][]byte{key}, old...) {
		if len(k) != KeySize {
			if i == 0 {
				return nil, fmt.Errorf("the broker's key must be %d bytes, not %d", KeySize, len(k))
			}
			return nil, fmt.Errorf("old key %d must be %d bytes, not %d", i, KeySize, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// seal returns nonce||ciphertext under the current key.
func (s *sealer) seal(plain, field, grantID string) []byte {
	aead := s.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce) // never fails since Go 1.24
	return aead.Seal(nonce, nonce, []byte(plain), []byte(field+"\x00"+grantID))
}

var errUnsealable = errors.New("a sealed value opens with neither $" + KeyEnvVar + " nor $" + OldKeysEnvVar + ": was the key changed without keeping the old one?")

// open returns the plain value and whether the current key sealed it.
func (s *sealer) open(sealed []byte, field, grantID string) (plain string, current bool, err error) {
	for i, aead := range s.aeads {
		n := aead.NonceSize()
		if len(sealed) < n {
			break
		}
		if p, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(field+"\x00"+grantID)); err == nil {
			return string(p), i == 0, nil
		}
	}
	return "", false, errUnsealable
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// Grant ids and secrets: 16 and 32 random bytes.
const (
	grantIDBytes     = 16
	grantSecretBytes = 32
)

// hashSecret is what the database keeps of a grant secret, and what a
// request's secret is compared with there: how long that comparison takes
// tells only how much of two SHA-256 hashes agree, nothing of the secret.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// looksLikeGrantID tells whether a client-sent id has the shape of ours,
// so only those reach the logs.
func looksLikeGrantID(id string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(raw) == grantIDBytes
}

// ClientSecretEnvVar holds the partner's EXchange client secret: for
// qex-broker, and for a served sandbox a partner tries qex-broker against.
const ClientSecretEnvVar = "EXCHANGE_CLIENT_SECRET"
