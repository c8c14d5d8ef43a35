package binance

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thunes/thunes/internal/order"
)

// wsAPIScript serves the WebSocket API's subscription methods the way
// Binance documents them: session.logon (Ed25519 only) then
// userDataStream.subscribe, or userDataStream.subscribe.signature; the
// signature is checked over the sorted, unencoded parameters. Once
// subscribed it calls events(n) and sends what it returns.
func wsAPIScript(tb testing.TB, pub ed25519.PublicKey, events func(n int) []string, methods *sync.Map) func(context.Context, *websocket.Conn, int) {
	return func(ctx context.Context, c *websocket.Conn, n int) {
		loggedOn := false
		reply := func(id json.RawMessage, status int, body string) {
			key := "result"
			if status != 200 {
				key = "error"
			}
			c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"id":%s,"status":%d,%q:%s}`, id, status, key, body)))
		}
		verify := func(p map[string]any) bool {
			sp := map[string]string{}
			for k, v := range p {
				sp[k] = fmt.Sprint(v)
			}
			if _, ok := p["timestamp"].(float64); ok {
				sp["timestamp"] = fmt.Sprintf("%.0f", p["timestamp"].(float64))
			}
			sig, _ := p["signature"].(string)
			payload := wsPayload(sp)
			if pub != nil {
				raw, err := base64.StdEncoding.DecodeString(sig)
				return err == nil && ed25519.Verify(pub, []byte(payload), raw)
			}
			m := hmac.New(sha256.New, []byte(testSecret))
			m.Write([]byte(payload))
			return sig == hex.EncodeToString(m.Sum(nil)) && sp["apiKey"] == testAPIKey
		}
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			var req struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
				Params map[string]any  `json:"params"`
			}
			if json.Unmarshal(msg, &req) != nil {
				return
			}
			if methods != nil {
				methods.Store(req.Method, true)
			}
			switch req.Method {
			case "session.logon":
				if pub == nil || !verify(req.Params) {
					reply(req.ID, 401, `{"code":-1022,"msg":"Signature for this request is not valid."}`)
					continue
				}
				loggedOn = true
				reply(req.ID, 200, `{"authorizedSince":1,"userDataStream":false}`)
			case "userDataStream.subscribe":
				if !loggedOn {
					reply(req.ID, 401, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`)
					continue
				}
				reply(req.ID, 200, `{"subscriptionId":0}`)
			case "userDataStream.subscribe.signature":
				if !verify(req.Params) {
					reply(req.ID, 400, `{"code":-1022,"msg":"Signature for this request is not valid."}`)
					continue
				}
				reply(req.ID, 200, `{"subscriptionId":0}`)
			default:
				reply(req.ID, 400, `{"code":-1100,"msg":"unknown method"}`)
				continue
			}
			if req.Method != "session.logon" {
				for _, e := range events(n) {
					c.Write(ctx, websocket.MessageText, []byte(`{"subscriptionId":0,"event":`+e+`}`))
				}
				if n == 1 {
					return // drop the first connection after its events
				}
			}
		}
	}
}

func execEvent(id, x, status string, tradeID int64, last, cum string) string {
	return fmt.Sprintf(`{"e":"executionReport","E":1,"s":"BTCUSDT","c":%q,"S":"SELL","o":"MARKET","f":"GTC","q":"3","p":"0","x":%q,"X":%q,"i":28,"l":%q,"z":%q,"L":"4000","n":"0.1","N":"USDT","T":1507725176595,"t":%d,"m":false}`,
		id, x, status, last, cum, tradeID)
}

func TestUserStreamEd25519LogonDrivesVenue(t *testing.T) {
	priv, err := ParseEd25519PrivateKey([]byte(testEd25519PEM))
	if err != nil {
		t.Fatal(err)
	}
	var methods sync.Map
	ws := newWSServer(t, wsAPIScript(t, priv.Public().(ed25519.PublicKey), func(n int) []string {
		if n == 1 {
			return []string{execEvent("u-1", "NEW", "NEW", -1, "0", "0"), execEvent("u-1", "TRADE", "PARTIALLY_FILLED", 1, "1", "1")}
		}
		// After the reconnect the stream repeats a fill and finishes the order.
		return []string{execEvent("u-1", "TRADE", "PARTIALLY_FILLED", 1, "1", "1"), `{"e":"outboundAccountPosition","E":1,"u":1,"B":[{"a":"BTC","f":"0","l":"0"}]}`,
			execEvent("u-1", "TRADE", "FILLED", 2, "2", "3")}
	}, &methods))
	f := newFake(t)
	s, err := NewEd25519Signer(testAPIKey, []byte(testEd25519PEM))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(Config{BaseURL: f.srv.URL, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	var positions atomic.Int32
	v, err := NewVenue(c, rec.sink, VenueConfig{OnAccount: func(*AccountPosition) { positions.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var resubs atomic.Int32
	us, err := NewUserStream(UserStreamConfig{URL: ws.url(), Client: c, Handler: v.HandleUserEvent,
		OnResubscribe: func() { resubs.Add(1) }, WS: WSConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { us.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	reps := rec.wait(t, 3)
	if kinds(reps) != "ACK,TRADE,TRADE" || reps[2].Fill.TradeID != 2 || reps[2].Fill.Commission.String() != "0.1" {
		t.Fatalf("reports %s", kinds(reps))
	}
	o := applyAll(t, marketSell("u-1"), reps)
	if o.Status != order.Filled {
		t.Fatalf("order %s", o.Status)
	}
	waitFor(t, "account update", func() bool { return positions.Load() == 1 })
	if resubs.Load() != 1 || us.Subscriptions() != 2 {
		t.Fatalf("resubscriptions %d subscriptions %d", resubs.Load(), us.Subscriptions())
	}
	if _, ok := methods.Load("session.logon"); !ok {
		t.Fatal("no session.logon with an Ed25519 key")
	}
	if _, ok := methods.Load("userDataStream.subscribe.signature"); ok {
		t.Fatal("subscribe.signature used with an Ed25519 key")
	}
}

func TestUserStreamHMACSubscribeSignature(t *testing.T) {
	var methods sync.Map
	ws := newWSServer(t, wsAPIScript(t, nil, func(n int) []string {
		return []string{
			execEvent("h-1", "TRADE", "FILLED", 9, "5", "5"), // fills 5 of an order of 3: refused
			`{"e":"balanceUpdate","E":1,"a":"BTC","d":"not a number","T":1573200697068}`,
			`{"e":"balanceUpdate","E":1,"a":"BTC","d":"1.5","T":1573200697068}`,
		}
	}, &methods))
	f := newFake(t)
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	var execs atomic.Int32
	var got atomic.Value
	us, err := NewUserStream(UserStreamConfig{URL: ws.url(), Client: c, Handler: func(ev UserEvent) {
		if ev.Balance != nil {
			got.Store(ev.Balance.Delta.String())
		}
		if ev.Execution != nil {
			execs.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go us.Run(ctx)
	waitFor(t, "balance update", func() bool { return got.Load() == "1.5" })
	if execs.Load() != 0 || alerts.count(AlertBadMessage) != 2 {
		t.Fatalf("hostile events: %d passed on, %d alerts", execs.Load(), alerts.count(AlertBadMessage))
	}
	if _, ok := methods.Load("session.logon"); ok {
		t.Fatal("session.logon attempted with an HMAC key")
	}
}

func TestUserStreamWrongKeyAlerts(t *testing.T) {
	ws := newWSServer(t, wsAPIScript(t, nil, func(int) []string { return nil }, nil))
	f := newFake(t)
	s, _ := NewHMACSigner(testAPIKey, "not-the-secret")
	alerts := &alertLog{}
	c, _ := NewClient(Config{BaseURL: f.srv.URL, Signer: s, OnAlert: alerts.add})
	us, _ := NewUserStream(UserStreamConfig{URL: ws.url(), Client: c, Handler: func(UserEvent) {},
		WS: WSConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go us.Run(ctx)
	waitFor(t, "an alert", func() bool { return alerts.count(AlertStreamDown) > 0 })
	alerts.mu.Lock()
	msg := alerts.as[0].Msg
	alerts.mu.Unlock()
	if !strings.Contains(msg, "code -1022") || !strings.Contains(msg, "Signature for this request is not valid.") ||
		strings.Contains(msg, "not-the-secret") {
		t.Fatalf("alert %q", msg)
	}
}

func TestWSAPISignatureMatchesVector(t *testing.T) {
	// spot_wsapi_session_logon: sorted apiKey and timestamp, unencoded.
	p := map[string]string{"apiKey": testAPIKey, "timestamp": "1649729878532", "signature": "ignored"}
	s, _ := NewHMACSigner(testAPIKey, testSecret)
	if got := s.Sign([]byte(wsPayload(p))); got != "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed" {
		t.Fatalf("signature %s", got)
	}
}

func TestDecodeWSResponse(t *testing.T) {
	r, err := DecodeWSResponse(vectorJSON(t, "rest_responses", "spot", "errors", "wsapi_ip_ban_418"))
	if err != nil || r.Status != 418 || r.Err.Code != -1003 || r.RetryAfter != 1659146400000 {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = DecodeWSResponse(vectorJSON(t, "ws_events", "spot_user_data", "wsapi_requests", "userDataStream.subscribe_response"))
	if err != nil || r.Err != nil || string(r.Result) != `{"subscriptionId":0}` {
		t.Fatalf("%+v %v", r, err)
	}
}

func FuzzDecodeWSResponse(f *testing.F) {
	f.Add([]byte(`{"id":"a","status":200,"result":{"subscriptionId":0}}`))
	f.Add([]byte(`{"id":"a","status":418,"error":{"code":-1003,"msg":"banned","data":{"retryAfter":1659146400000}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeWSResponse(data)
		if err == nil && (r.Status == 0 || (r.Status != 200) != (r.Err != nil)) {
			t.Fatalf("inconsistent %+v", r)
		}
	})
}
