package simnet

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vectors is the part of ../shared/testdata/binance/vectors.json these tests
// read: Binance's official and derived signature vectors.
type vectors struct {
	Signatures struct {
		HMAC []struct {
			Name        string `json:"name"`
			APIKey      string `json:"apiKey"`
			Secret      string `json:"secretKey"`
			Payload     string `json:"signature_payload"`
			Expected    string `json:"expected_signature_hex"`
			QueryString string `json:"query_string"`
			RequestBody string `json:"request_body"`
		} `json:"hmac_sha256"`
		Ed25519 []struct {
			Name       string `json:"name"`
			PrivatePEM string `json:"private_key_pem"`
			PublicPEM  string `json:"public_key_pem"`
			KeyRef     string `json:"private_key_ref"`
			Payload    string `json:"signature_payload"`
			Expected   string `json:"expected_signature_base64"`
		} `json:"ed25519"`
	} `json:"signatures"`
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "testdata", "binance", "vectors.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the shared test vectors are needed beside the repository: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Signatures.HMAC) == 0 || len(v.Signatures.Ed25519) == 0 {
		t.Fatal("no signature vectors")
	}
	return v
}

func TestHMACVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Signatures.HMAC {
		if strings.Contains(c.Name, "doc_as_printed") {
			continue // the published value needs the doc's typo; see the vector's notes
		}
		t.Run(c.Name, func(t *testing.T) {
			if got := signHMAC([]byte(c.Secret), c.Payload); got != c.Expected {
				t.Errorf("sign = %s, want %s", got, c.Expected)
			}
			if !verifyHMAC([]byte(c.Secret), c.Payload, c.Expected) {
				t.Error("the official signature does not verify")
			}
			if !verifyHMAC([]byte(c.Secret), c.Payload, strings.ToUpper(c.Expected)) {
				t.Error("upper-case hex is refused; Binance ignores case")
			}
			bad := []byte(c.Expected)
			bad[0] ^= 1
			if verifyHMAC([]byte(c.Secret), c.Payload, string(bad)) {
				t.Error("a changed signature verifies")
			}
			if verifyHMAC([]byte(c.Secret), c.Payload+"&x=1", c.Expected) {
				t.Error("a changed payload verifies")
			}
		})
	}
}

func TestEd25519Vectors(t *testing.T) {
	v := loadVectors(t)
	keys := map[string]string{}
	for _, c := range v.Signatures.Ed25519 {
		if c.PrivatePEM != "" {
			keys[c.Name] = c.PrivatePEM
		}
	}
	n := 0
	for _, c := range v.Signatures.Ed25519 {
		pemText := c.PrivatePEM
		if pemText == "" {
			pemText = keys[c.KeyRef]
		}
		if c.Payload == "" || pemText == "" {
			continue // the FIX vector signs SOH-joined fields, not a REST payload
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			priv, err := parseEd25519Private(pemText)
			if err != nil {
				t.Fatal(err)
			}
			pub := priv.Public().(ed25519.PublicKey)
			if c.PublicPEM != "" {
				want, err := parseEd25519Public(c.PublicPEM)
				if err != nil || !want.Equal(pub) {
					t.Fatalf("public key mismatch (%v)", err)
				}
			}
			if got := SignEd25519(priv, c.Payload); got != c.Expected {
				t.Errorf("sign = %s, want %s", got, c.Expected)
			}
			if !verifyEd25519(pub, c.Payload, c.Expected) {
				t.Error("the vector's signature does not verify")
			}
			if verifyEd25519(pub, c.Payload+"1", c.Expected) {
				t.Error("a changed payload verifies")
			}
		})
	}
	if n < 3 {
		t.Fatalf("only %d Ed25519 REST vectors ran", n)
	}
}

// TestServerVerifiesVectors sends the official requests to the server, with
// its clock at the vectors' time, and checks that the signature is accepted
// (the request fails later, on the symbol simnet does not list) or refused
// with -1022 once changed. The mixed vector puts half of the parameters in
// the query string and half in the form body.
func TestServerVerifiesVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Signatures.HMAC {
		if !strings.HasPrefix(c.Name, "spot_rest_") {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			s := newTestServer(t, Config{Now: func() time.Time { return time.UnixMilli(1499827319559 + 100) }})
			if err := s.x.AddAccount(Key{APIKey: c.APIKey, Type: KeyHMAC, Secret: c.Secret}); err != nil {
				t.Fatal(err)
			}
			query, body := c.Payload, ""
			if c.QueryString != "" {
				query, body = c.QueryString, c.RequestBody
			}
			sig := "&signature=" + c.Expected
			var r reply
			if body == "" {
				r = s.do("POST", "/api/v3/order?"+query+sig, "", c.APIKey)
			} else {
				r = s.do("POST", "/api/v3/order?"+query, body+sig, c.APIKey)
			}
			if r.code() != codeBadSymbol {
				t.Fatalf("signed vector: %d %s; want -1121 (signature and timestamp accepted, symbol unknown)", r.status, r.body)
			}
			r = s.do("POST", "/api/v3/order?"+query+"&signature="+strings.Repeat("0", 64), body, c.APIKey)
			if r.status != 400 || r.code() != codeInvalidSignature {
				t.Fatalf("bad signature: %d %s; want 400 -1022", r.status, r.body)
			}
		})
	}
	// An Ed25519 key over REST: the derived vector, percent-encoded signature.
	for _, c := range v.Signatures.Ed25519 {
		if c.Name != "derived_ed25519_rest_ascii" {
			continue
		}
		var privPEM string
		for _, k := range v.Signatures.Ed25519 {
			if k.Name == c.KeyRef {
				privPEM = k.PrivatePEM
			}
		}
		priv, err := parseEd25519Private(privPEM)
		if err != nil {
			t.Fatal(err)
		}
		s := newTestServer(t, Config{Now: func() time.Time { return time.UnixMilli(1668481559918 + 100) }})
		pubPEM := pemPublic(t, priv.Public().(ed25519.PublicKey))
		const edKey = "EdVectorKey0123456789"
		if err := s.x.AddAccount(Key{APIKey: edKey, Type: KeyEd25519, PublicKeyPEM: pubPEM}); err != nil {
			t.Fatal(err)
		}
		r := s.do("POST", "/api/v3/order?"+c.Payload+"&signature="+url.QueryEscape(c.Expected), "", edKey)
		// Accepted signature; the order itself (SELL 1 BTC at 0.2) then fails
		// PERCENT_PRICE_BY_SIDE.
		if r.code() != codeInvalidMessage {
			t.Fatalf("ed25519 vector: %d %s; want -1013 after the signature check", r.status, r.body)
		}
		r = s.do("POST", "/api/v3/order?"+c.Payload+"&signature="+url.QueryEscape(SignEd25519(priv, c.Payload+"0")), "", edKey)
		if r.code() != codeInvalidSignature {
			t.Fatalf("ed25519 wrong signature: %d %s; want -1022", r.status, r.body)
		}
	}
}

func pemPublic(t *testing.T, pub ed25519.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
