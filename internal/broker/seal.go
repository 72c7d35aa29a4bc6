package broker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the key that seals refresh tokens: AES-256.
const KeySize = 32

// KeyEnvVar holds the sealing key for the command line.
const KeyEnvVar = "BROKER_KEY"

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

// sealer encrypts what the database must not hold in clear (refresh tokens,
// user tokens) with AES-GCM. The grant id and the field's name are the
// additional data, so a sealed value copied to another row or column does
// not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the broker's key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce||ciphertext.
func (s *sealer) seal(plain, field, grantID string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce) // never fails since Go 1.24
	return s.aead.Seal(nonce, nonce, []byte(plain), []byte(field+"\x00"+grantID))
}

var errUnsealable = errors.New("a sealed value does not open with this key: was $" + KeyEnvVar + " changed?")

func (s *sealer) open(sealed []byte, field, grantID string) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errUnsealable
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(field+"\x00"+grantID))
	if err != nil {
		return "", errUnsealable
	}
	return string(plain), nil
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

// hashSecret is what the database keeps of a grant secret.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// secretMatches compares in constant time.
func secretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(hashSecret(secret), hash) == 1
}

// looksLikeGrantID tells whether a client-sent id has the shape of ours,
// so only those reach the logs.
func looksLikeGrantID(id string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(raw) == grantIDBytes
}
