package binance

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHMACVectors(t *testing.T) {
	sigs := vectors(t)["signatures"].(map[string]any)
	n := 0
	for _, raw := range sigs["hmac_sha256"].([]any) {
		v := raw.(map[string]any)
		name := v["name"].(string)
		t.Run(name, func(t *testing.T) {
			s, err := NewHMACSigner("key", v["secretKey"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := s.Sign([]byte(v["signature_payload"].(string))), v["expected_signature_hex"].(string); got != want {
				t.Errorf("signature %s, want %s", got, want)
			}
		})
		n++
	}
	if n < 8 {
		t.Fatalf("only %d HMAC vectors", n)
	}
}

func TestEd25519Vectors(t *testing.T) {
	sigs := vectors(t)["signatures"].(map[string]any)
	keys := map[string]string{}
	for _, raw := range sigs["ed25519"].([]any) {
		v := raw.(map[string]any)
		if pem, ok := v["private_key_pem"].(string); ok {
			keys[v["name"].(string)] = pem
		}
	}
	n := 0
	for _, raw := range sigs["ed25519"].([]any) {
		v := raw.(map[string]any)
		name := v["name"].(string)
		pem := keys[name]
		if ref, ok := v["private_key_ref"].(string); ok {
			pem = keys[ref]
		}
		payload, ok := v["signature_payload"].(string)
		if !ok { // the FIX vector: fields joined by SOH
			var fields []string
			for _, f := range v["signature_payload_fields_joined_by_SOH"].([]any) {
				fields = append(fields, f.(string))
			}
			payload = strings.Join(fields, "\x01")
		}
		t.Run(name, func(t *testing.T) {
			s, err := NewEd25519Signer("key", []byte(pem))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Sign([]byte(payload))
			if want := v["expected_signature_base64"].(string); got != want {
				t.Errorf("signature %s, want %s", got, want)
			}
			if want, ok := v["expected_signature_param_percent_encoded"].(string); ok {
				if enc := string(appendEscaped(nil, got)); enc != want {
					t.Errorf("percent-encoded %s, want %s", enc, want)
				}
			}
		})
		n++
	}
	if n < 5 {
		t.Fatalf("only %d Ed25519 vectors", n)
	}
}

func TestPercentEncodedPayloadMatchesVector(t *testing.T) {
	// spot_rest_non_ascii_percent_encoded: the payload signed is the
	// percent-encoded one, byte for byte.
	var p Params
	p.Set("symbol", "１２３４５６").Set("side", "BUY").Set("type", "LIMIT").Set("timeInForce", "GTC").
		Set("quantity", "1").Set("price", "0.1").Set("recvWindow", "5000").Set("timestamp", "1499827319559")
	want := "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	if got := p.Encode(); got != want {
		t.Fatalf("Encode = %s\nwant     %s", got, want)
	}
	s, _ := NewHMACSigner("key", testSecret)
	if got := s.Sign([]byte(p.Encode())); got != "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3" {
		t.Fatalf("signature %s", got)
	}
	back, err := parseQuery(p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get("symbol"); v != "１２３４５６" {
		t.Fatalf("round trip symbol %q", v)
	}
	var q Params
	q.Set("a b", "x+y/z=")
	if got := q.Encode(); got != "a%20b=x%2By%2Fz%3D" {
		t.Fatalf("Encode = %s", got)
	}
}

const testEd25519PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIE4rJ0goma1nbu1d8T1dp//0pe40jnf8tghwRhsSY4Bk\n-----END PRIVATE KEY-----"

func TestBadKeysGiveClearErrors(t *testing.T) {
	pub := "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAtvp1GL6wRJCrnFM50RXzj/wBAn/phoC1chuta0+bklk=\n-----END PUBLIC KEY-----"
	rsaPEM := vectors(t)["signatures"].(map[string]any)["rsa_pkcs1v15_sha256"].([]any)[0].(map[string]any)["private_key_pem"].(string)
	encPEM := vectors(t)["signatures"].(map[string]any)["rsa_pkcs1v15_sha256"].([]any)[1].(map[string]any)["private_key_pem"].(string)
	cases := []struct {
		name, pem, want string
	}{
		{"not PEM", "MC4CAQAwBQYDK2VwBCIEIE4rJ0goma1nbu1d8T1dp", "no PEM block"},
		{"public key", pub, "public key"},
		{"RSA key", rsaPEM, "not an Ed25519 key"},
		{"encrypted", encPEM, "encrypted"},
		{"garbage body", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "not valid PKCS#8"},
	}
	for _, c := range cases {
		_, err := NewEd25519Signer(testAPIKey, []byte(c.pem))
		if err == nil || !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrBadKey mentioning %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "MC4CAQ") {
			t.Errorf("%s: error quotes key material: %v", c.name, err)
		}
	}
	if _, err := NewHMACSigner("", testSecret); !errors.Is(err, ErrBadKey) {
		t.Errorf("empty API key: %v", err)
	}
	if _, err := NewHMACSigner(testAPIKey, ""); !errors.Is(err, ErrBadKey) {
		t.Errorf("empty secret: %v", err)
	}
	if _, err := NewHMACSigner("bad\nkey", testSecret); !errors.Is(err, ErrBadKey) {
		t.Errorf("API key with a newline: %v", err)
	}
}

// TestSecretsNeverPrinted formats signers and clients every way fmt can and
// checks that neither the secret nor the private key appears. (The API key is
// public, sent in a header, but String masks it too.)
func TestSecretsNeverPrinted(t *testing.T) {
	h, err := NewHMACSigner(testAPIKey, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEd25519Signer(testAPIKey, []byte(testEd25519PEM))
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t)
	c := newTestClient(t, f, nil)
	holder := struct {
		S *Signer
		C *Client
		s Signer
	}{h, c, *e}
	var out strings.Builder
	for _, v := range []any{h, e, *h, *e, c, holder, &holder} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	text := out.String()
	priv, err := ParseEd25519PrivateKey([]byte(testEd25519PEM))
	if err != nil {
		t.Fatal(err)
	}
	seedHex := hex.EncodeToString(priv.Seed())
	seedB64 := base64.StdEncoding.EncodeToString(priv.Seed())
	for _, secret := range []string{testSecret, "NhqPtmdSJ", "MC4CAQAwBQYDK2VwBCIEIE4rJ0go", seedHex[:16], seedB64[:16], fmt.Sprint([]byte(priv.Seed()))[:20]} {
		if strings.Contains(text, secret) {
			t.Fatalf("formatted output contains secret material %q:\n%s", secret, text)
		}
	}
	if strings.Contains(h.String()+e.String()+c.String(), testAPIKey) {
		t.Errorf("String shows the whole API key")
	}
	if !strings.Contains(h.String(), "vmPU…Eh8A") {
		t.Errorf("String = %s, want the masked key", h.String())
	}
}

// TestSecretsNeverInErrorsOrAlerts drives failures of every kind — wrong
// signature, rate limit, 5xx, timeout, unreachable host, unknown outcome —
// and checks that no error text or alert carries the secret, the private
// key or a request signature.
func TestSecretsNeverInErrorsOrAlerts(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 3 {
		case 1:
			select { // the client times out: unknown outcome
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		case 2:
			writeErr(w, 500, 0, "internal")
		default:
			w.Header().Set("Retry-After", "1")
			writeErr(w, 429, -1003, "Too many requests.")
		}
	})
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 400, -2013, "Order does not exist.") })
	var texts []string
	var mu sync.Mutex
	collect := func(s string) { mu.Lock(); texts = append(texts, s); mu.Unlock() }
	ed, err := NewEd25519Signer(testAPIKey, []byte(testEd25519PEM))
	if err != nil {
		t.Fatal(err)
	}
	hm, _ := NewHMACSigner(testAPIKey, testSecret)
	for _, s := range []*Signer{hm, ed} {
		for _, base := range []string{f.srv.URL, "http://127.0.0.1:1"} {
			c, err := NewClient(Config{BaseURL: base, Signer: s, RecvWindow: 50 * time.Millisecond, MaxRetries: -1,
				HTTPClient: &http.Client{Timeout: 500 * time.Millisecond},
				OnAlert:    func(a Alert) { collect(a.Kind.String() + " " + a.Msg) }})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if _, _, err := c.PlaceOrder(testCtx(t), limitBuy(fmt.Sprintf("s-%d", i)), RespFull); err != nil {
					collect(err.Error())
				}
			}
			if _, err := c.Account(testCtx(t)); err != nil {
				collect(err.Error())
			}
		}
	}
	priv, _ := ParseEd25519PrivateKey([]byte(testEd25519PEM))
	all := strings.Join(texts, "\n")
	for _, want := range []string{"UNKNOWN_OUTCOME", "not placed", "HTTP 429", "connection refused", "RATE_LIMIT"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q among the messages:\n%s", want, all)
		}
	}
	if len(texts) < 10 {
		t.Fatalf("only %d messages collected:\n%s", len(texts), all)
	}
	for _, secret := range []string{testSecret, "MC4CAQAwBQYDK2VwBCIEIE4rJ0go", hex.EncodeToString(priv.Seed())[:16], "signature=", "&timestamp="} {
		if strings.Contains(all, secret) {
			t.Fatalf("%q leaked into:\n%s", secret, all)
		}
	}
}
