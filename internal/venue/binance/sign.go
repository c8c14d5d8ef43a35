package binance

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
	"sync"
)

// KeyType is the kind of API key a Signer holds.
type KeyType uint8

// Key types. RSA keys are not supported: Ed25519 is Binance's recommended
// type and HMAC the legacy one.
const (
	KeyHMAC KeyType = iota + 1
	KeyEd25519
)

// String names t.
func (t KeyType) String() string {
	switch t {
	case KeyHMAC:
		return "HMAC-SHA256"
	case KeyEd25519:
		return "Ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", uint8(t))
}

// Signer signs request payloads for one API key. The secret is held inside a
// closure, so no formatting verb (%v, %+v, %#v) of a Signer or of a struct
// holding one can print it. A Signer is safe for concurrent use.
type Signer struct {
	apiKey string
	typ    KeyType
	sign   func(payload []byte) string
}

// ErrBadKey is wrapped by every key-loading error. The messages never contain
// key material.
var ErrBadKey = errors.New("bad API key")

// NewHMACSigner returns a signer for an HMAC-SHA256 key. Signatures are
// lowercase hex.
func NewHMACSigner(apiKey, secret string) (*Signer, error) {
	if err := checkAPIKey(apiKey); err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, fmt.Errorf("HMAC secret is empty: %w", ErrBadKey)
	}
	key := []byte(secret)
	// Keyed hashes are reused: hmac.New costs several allocations.
	pool := &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
	return &Signer{apiKey: apiKey, typ: KeyHMAC, sign: func(p []byte) string {
		m := pool.Get().(hash.Hash)
		m.Reset()
		m.Write(p)
		var sum [sha256.Size]byte
		var out [2 * sha256.Size]byte
		hex.Encode(out[:], m.Sum(sum[:0]))
		pool.Put(m)
		return string(out[:])
	}}, nil
}

// NewEd25519Signer returns a signer for an Ed25519 key given as a PKCS#8 PEM
// block ("-----BEGIN PRIVATE KEY-----"), as Binance's key generator writes it.
// Signatures are standard base64 (88 characters).
func NewEd25519Signer(apiKey string, privateKeyPEM []byte) (*Signer, error) {
	if err := checkAPIKey(apiKey); err != nil {
		return nil, err
	}
	priv, err := ParseEd25519PrivateKey(privateKeyPEM)
	if err != nil {
		return nil, err
	}
	return &Signer{apiKey: apiKey, typ: KeyEd25519, sign: func(p []byte) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, p))
	}}, nil
}

// ParseEd25519PrivateKey reads an unencrypted PKCS#8 PEM Ed25519 private key.
// Errors wrap ErrBadKey and say what is wrong without quoting the input.
func ParseEd25519PrivateKey(pemData []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemData)
	switch {
	case block == nil:
		return nil, fmt.Errorf("Ed25519 private key: no PEM block found: %w", ErrBadKey)
	case block.Type == "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("Ed25519 private key: encrypted PEM is not supported, decrypt it first: %w", ErrBadKey)
	case block.Type == "PUBLIC KEY":
		return nil, fmt.Errorf("Ed25519 private key: the PEM block is a public key; give the private key: %w", ErrBadKey)
	case block.Type != "PRIVATE KEY":
		return nil, fmt.Errorf("Ed25519 private key: PEM block type %.40q, want \"PRIVATE KEY\" (PKCS#8): %w", block.Type, ErrBadKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("Ed25519 private key: not valid PKCS#8: %w", ErrBadKey)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("Ed25519 private key: PKCS#8 holds a %T, not an Ed25519 key: %w", k, ErrBadKey)
	}
	return priv, nil
}

func checkAPIKey(k string) error {
	if k == "" {
		return fmt.Errorf("API key is empty: %w", ErrBadKey)
	}
	if len(k) > 256 {
		return fmt.Errorf("API key is %d bytes long: %w", len(k), ErrBadKey)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("API key holds a byte 0x%02x that cannot go in a header: %w", c, ErrBadKey)
		}
	}
	return nil
}

// Sign returns the signature of payload, encoded as Binance expects for the
// key type (hex for HMAC, base64 for Ed25519), not yet percent-encoded.
func (s *Signer) Sign(payload []byte) string { return s.sign(payload) }

// APIKey returns the public API key sent in X-MBX-APIKEY.
func (s *Signer) APIKey() string { return s.apiKey }

// Type returns the key type.
func (s *Signer) Type() KeyType { return s.typ }

// String describes the signer with the API key masked and no secret.
func (s Signer) String() string {
	return fmt.Sprintf("binance.Signer{%s key=%s}", s.typ, MaskKey(s.apiKey))
}

// GoString is String, so %#v does not dump the fields.
func (s Signer) GoString() string { return s.String() }

// MaskKey returns k with all but its first and last four characters hidden.
func MaskKey(k string) string {
	if len(k) <= 8 {
		return "****"
	}
	return k[:4] + "…" + k[len(k)-4:]
}
