// Package randid makes random identifiers shaped like the emulated services'
// ids and secrets, for the sandbox emulators.
package randid

import (
	"crypto/rand"
	"encoding/hex"
)

// UUID4 returns a random version 4 UUID, e.g.
// "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c".
func UUID4() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
