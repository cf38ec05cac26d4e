package main

// A tlog-cosignature v1.0.1 check written from the C2SP spec with Go's standard
// library, so that a second implementation judges the bytes our witnesses sign:
// key ID = SHA-256(name || "\n" || 0x04 || public key)[:4]; the line carries
// key ID || 8-byte big-endian timestamp || Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || the checkpoint body.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func checkCosignature(n *note.Note, vkey string) (uint64, error) {
	parts := strings.SplitN(vkey, "+", 3) // base64 may hold "+": split at the first two only
	if len(parts) != 3 {
		return 0, fmt.Errorf("malformed cosigner key %q", vkey)
	}
	name := parts[0]
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		return 0, fmt.Errorf("cosigner key %q is not type 0x04 Ed25519", vkey)
	}
	public := ed25519.PublicKey(raw[1:])
	h := sha256.Sum256(append([]byte(name+"\n"), raw...))
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != name {
			continue
		}
		line, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(line) != 4+8+64 || !bytes.Equal(line[:4], h[:4]) {
			continue
		}
		timestamp := binary.BigEndian.Uint64(line[4:12])
		message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", timestamp, n.Text)
		if !ed25519.Verify(public, []byte(message), line[12:]) {
			return 0, fmt.Errorf("the cosignature by %s does not verify", name)
		}
		return timestamp, nil
	}
	return 0, fmt.Errorf("no cosignature by %s", name)
}
