package simnet

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
)

// verifyHMAC reports whether sig, lowercase or uppercase hex, is the
// HMAC-SHA256 of payload keyed with secret. It runs in constant time in the
// signature's content.
func verifyHMAC(secret []byte, payload, sig string) bool {
	return verifyWith(hmac.New(sha256.New, secret), payload, sig)
}

// verifyWith checks sig with the HMAC hasher m (reset first).
func verifyWith(m hash.Hash, payload, sig string) bool {
	if len(sig) != 2*sha256.Size {
		return false
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(sig)); err != nil {
		return false
	}
	m.Reset()
	io.WriteString(m, payload)
	var sum [sha256.Size]byte
	return hmac.Equal(m.Sum(sum[:0]), got[:])
}

// signHMAC returns the lowercase hex HMAC-SHA256 of payload, as clients send it.
func signHMAC(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyEd25519 reports whether sig, standard base64, is an Ed25519
// signature of payload by pub.
func verifyEd25519(pub ed25519.PublicKey, payload, sig string) bool {
	if len(sig) != 88 {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, []byte(payload), raw)
}

// parseEd25519Public reads a PKIX "PUBLIC KEY" PEM block holding an Ed25519 key.
func parseEd25519Public(pemText string) (ed25519.PublicKey, error) {
	b, _ := pem.Decode([]byte(pemText))
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("public key is not Ed25519")
	}
	return pub, nil
}

// parseEd25519Private reads a PKCS#8 "PRIVATE KEY" PEM block holding an
// Ed25519 key. The error never quotes the key.
func parseEd25519Private(pemText string) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode([]byte(pemText))
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, errors.New("private key is not valid PKCS#8")
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("private key is not Ed25519")
	}
	return priv, nil
}

// SignEd25519 returns the standard base64 Ed25519 signature of payload, as
// Binance clients send it (88 characters).
func SignEd25519(priv ed25519.PrivateKey, payload string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(payload)))
}
