package simnet

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// Key types.
const (
	KeyHMAC    = "hmac"
	KeyEd25519 = "ed25519"
)

// keysDir is the folder of key files inside the data directory: one file
// per key, named after the API key, so that adding a key while simnet runs
// never races the server's own state file.
const keysDir = "keys"

// Key is an API key as stored in DIR/keys/<api key>.json (mode 0600). An
// HMAC key keeps its secret, which the server needs to check signatures; an
// Ed25519 key keeps only its public key.
type Key struct {
	APIKey       string `json:"api_key"`
	Type         string `json:"type"`
	Secret       string `json:"secret_key,omitempty"`
	PublicKeyPEM string `json:"public_key_pem,omitempty"`
	// Withdrawals is what GET /sapi/v1/account/apiRestrictions reports as
	// enableWithdrawals, so a dangerous key can be simulated.
	Withdrawals bool `json:"enable_withdrawals"`
	// Balances are the account's starting balances, asset to amount.
	Balances   map[string]string `json:"balances"`
	CreateTime int64             `json:"create_time"`

	pub  ed25519.PublicKey
	macs *sync.Pool // HMAC-SHA256 hashers keyed with Secret
}

// NewKey asks for a key.
type NewKey struct {
	Type        string                 // KeyHMAC or KeyEd25519
	Balances    map[string]num.Decimal // starting balances
	Withdrawals bool
}

// Credentials are what a new key's owner needs to sign requests; they are
// shown once and, for Ed25519, the private key is not kept.
type Credentials struct {
	APIKey        string `json:"api_key"`
	SecretKey     string `json:"secret_key,omitempty"`
	PrivateKeyPEM string `json:"private_key_pem,omitempty"`
}

// ValidAsset reports whether s can name an asset: 1 to 20 upper-case
// letters or digits.
func ValidAsset(s string) bool { return validSymbolText(s) }

// AddKey creates an API key with starting balances in dir (created if
// missing) and returns its credentials. The key file is written atomically.
func AddKey(dir string, req NewKey, now time.Time) (*Credentials, error) {
	if req.Type != KeyHMAC && req.Type != KeyEd25519 {
		return nil, fmt.Errorf("key type %q: want %s or %s", req.Type, KeyHMAC, KeyEd25519)
	}
	bal := make(map[string]string, len(req.Balances))
	for a, v := range req.Balances {
		if !ValidAsset(a) {
			return nil, fmt.Errorf("asset %q: want 1 to 20 upper-case letters or digits", a)
		}
		if v.IsNeg() || v.Scale() > 8 {
			return nil, fmt.Errorf("balance %s %s: want a non-negative amount with at most 8 decimals", v, a)
		}
		bal[a] = v.String()
	}
	k := &Key{APIKey: randomToken(64), Type: req.Type, Withdrawals: req.Withdrawals, Balances: bal, CreateTime: now.UnixMilli()}
	c := &Credentials{APIKey: k.APIKey}
	switch req.Type {
	case KeyHMAC:
		k.Secret = randomToken(64)
		c.SecretKey = k.Secret
	case KeyEd25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate ed25519 key: %w", err)
		}
		pubDER, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("encode public key: %w", err)
		}
		privDER, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, errors.New("encode private key failed")
		}
		k.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
		c.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
	}
	data, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, keysDir, k.APIKey+".json"), append(data, '\n'), 0o600); err != nil {
		return nil, err
	}
	return c, nil
}

// loadKeys reads every key file in dir/keys. A missing folder is no keys; a
// bad file is an error naming it (never its contents).
func loadKeys(dir string) (map[string]*Key, error) {
	keys := map[string]*Key{}
	if dir == "" {
		return keys, nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, keysDir))
	if errors.Is(err, os.ErrNotExist) {
		return keys, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, keysDir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read key file %s: %w", path, err)
		}
		var k Key
		if err := json.Unmarshal(data, &k); err != nil {
			return nil, fmt.Errorf("key file %s is not valid JSON", path)
		}
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
		keys[k.APIKey] = &k
	}
	return keys, nil
}

// check validates a key read from disk and prepares its public key.
func (k *Key) check() error {
	if len(k.APIKey) < 16 || len(k.APIKey) > 64 || !alnum(k.APIKey) {
		return errors.New("api_key must be 16 to 64 letters or digits")
	}
	switch k.Type {
	case KeyHMAC:
		if k.Secret == "" {
			return errors.New("hmac key has no secret_key")
		}
		secret := []byte(k.Secret)
		k.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}
	case KeyEd25519:
		pub, err := parseEd25519Public(k.PublicKeyPEM)
		if err != nil {
			return fmt.Errorf("public_key_pem: %w", err)
		}
		k.pub = pub
	default:
		return fmt.Errorf("type %q: want %s or %s", k.Type, KeyHMAC, KeyEd25519)
	}
	for a, v := range k.Balances {
		d, err := num.Parse(v)
		if !ValidAsset(a) || err != nil || d.IsNeg() {
			return fmt.Errorf("balance %q for asset %q is not a non-negative decimal", v, a)
		}
	}
	return nil
}

// verify reports whether sig signs payload with this key.
func (k *Key) verify(payload, sig string) bool {
	switch k.Type {
	case KeyHMAC:
		m := k.macs.Get().(hash.Hash)
		ok := verifyWith(m, payload, sig)
		k.macs.Put(m)
		return ok
	case KeyEd25519:
		return verifyEd25519(k.pub, payload, sig)
	}
	return false
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomToken returns n letters and digits from crypto/rand.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}

// writeFileAtomic writes data to path through a temporary file, fsync and
// rename, so a reader sees the old or the new file, never half of one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// tradingAllowed reports whether the key may place and cancel orders.
func (k *Key) tradingAllowed() bool { return true }
