package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// UserStreamConfig sets up the spot user-data stream over the WebSocket API.
type UserStreamConfig struct {
	// URL is the WebSocket API endpoint, such as
	// wss://ws-api.binance.com:443/ws-api/v3.
	URL string
	// Client provides the key, the signer and the server clock.
	Client *Client
	WS     WSConfig
	// Handler receives every event, in order, from one goroutine. Pass
	// Venue.HandleUserEvent to drive the adapter.
	Handler func(UserEvent)
	// OnResubscribe, if set, is called after every subscription but the
	// first: events may have been missed meanwhile, so the caller should
	// reconcile open orders, balances and trades over REST.
	OnResubscribe func()
}

// UserStream keeps a user-data subscription alive: with an Ed25519 key it
// logs the session on (session.logon) and calls userDataStream.subscribe;
// with an HMAC key it calls userDataStream.subscribe.signature.
type UserStream struct {
	cfg  UserStreamConfig
	c    *Client
	seq  atomic.Int64
	subs atomic.Int64
}

// NewUserStream checks cfg.
func NewUserStream(cfg UserStreamConfig) (*UserStream, error) {
	switch {
	case !strings.HasPrefix(cfg.URL, "ws://") && !strings.HasPrefix(cfg.URL, "wss://"):
		return nil, fmt.Errorf("user stream: URL %q must start with ws:// or wss://", cfg.URL)
	case cfg.Client == nil || cfg.Client.signer == nil:
		return nil, errors.New("user stream: a client with an API key is required")
	case cfg.Handler == nil:
		return nil, errors.New("user stream: a handler is required")
	}
	cfg.WS = cfg.WS.withDefaults()
	return &UserStream{cfg: cfg, c: cfg.Client}, nil
}

// Subscriptions returns how many subscriptions have succeeded so far.
func (u *UserStream) Subscriptions() int { return int(u.subs.Load()) }

// Run keeps the subscription until ctx ends, reconnecting with jittered
// back-off. It returns ctx's error.
func (u *UserStream) Run(ctx context.Context) error {
	return keepConnected(ctx, u.cfg.WS, u.session, func(err error, wait time.Duration) {
		u.c.alert(AlertStreamDown, fmt.Sprintf("user-data stream: %v; reconnecting in %s", err, wait.Round(time.Millisecond)))
	})
}

func (u *UserStream) session(ctx context.Context) error {
	wc, sctx, cancel, err := dialWS(ctx, u.cfg.URL, u.cfg.WS)
	if err != nil {
		return err
	}
	defer cancel()
	if u.c.signer.Type() == KeyEd25519 {
		if _, err := u.call(sctx, wc, "session.logon", u.signedParams()); err != nil {
			return err
		}
		if _, err := u.call(sctx, wc, "userDataStream.subscribe", nil); err != nil {
			return err
		}
	} else if _, err := u.call(sctx, wc, "userDataStream.subscribe.signature", u.signedParams()); err != nil {
		return err
	}
	if u.subs.Add(1) > 1 && u.cfg.OnResubscribe != nil {
		u.cfg.OnResubscribe()
	}
	for {
		msg, err := wc.read(sctx)
		if err != nil {
			return err
		}
		if !bytes.Contains(msg, []byte(`"subscriptionId"`)) {
			continue // a stray response, not an event
		}
		ev, err := DecodeUserEvent(msg)
		if err != nil {
			u.c.alert(AlertBadMessage, "user-data stream: "+err.Error())
			continue
		}
		switch {
		case ev.Terminated:
			return errors.New("subscription terminated by the server")
		case ev.Other == "serverShutdown":
			return fmt.Errorf("%w: serverShutdown", errRotate)
		}
		u.cfg.Handler(ev)
	}
}

// signedParams returns apiKey, timestamp, the client's recvWindow and the
// signature of their sorted, unencoded k=v text, as the WebSocket API
// requires.
func (u *UserStream) signedParams() map[string]string {
	p := map[string]string{"apiKey": u.c.signer.APIKey(), "timestamp": strconv.FormatInt(u.c.Timestamp(), 10),
		"recvWindow": strconv.FormatInt(u.c.recvWindow.Milliseconds(), 10)}
	p["signature"] = u.c.signer.Sign([]byte(wsPayload(p)))
	return p
}

// wsPayload is the WebSocket API signature payload: every parameter but
// signature, sorted by name, joined as k=v&..., not percent-encoded.
func wsPayload(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p[k])
	}
	return b.String()
}

// call sends one request and waits for its response, skipping other
// messages. Numeric-looking parameters (timestamp) are sent as numbers.
func (u *UserStream) call(ctx context.Context, wc *wsConn, method string, params map[string]string) (json.RawMessage, error) {
	id := fmt.Sprintf("thunes-%d", u.seq.Add(1))
	req := struct {
		ID     string         `json:"id"`
		Method string         `json:"method"`
		Params map[string]any `json:"params,omitempty"`
	}{ID: id, Method: method}
	if params != nil {
		req.Params = make(map[string]any, len(params))
		for k, v := range params {
			if k == "timestamp" || k == "recvWindow" {
				req.Params[k] = json.Number(v)
			} else {
				req.Params[k] = v
			}
		}
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := wc.Write(wctx, websocket.MessageText, b); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	for {
		msg, err := wc.read(wctx)
		if err != nil {
			return nil, fmt.Errorf("%s: waiting for the answer: %w", method, err)
		}
		r, err := DecodeWSResponse(msg)
		if err != nil || r.ID != id {
			continue
		}
		if r.Err != nil {
			if r.RetryAfter > 0 {
				u.c.lim.banUntil(time.UnixMilli(r.RetryAfter))
			}
			return nil, fmt.Errorf("%s: %w", method, r.Err)
		}
		return r.Result, nil
	}
}

// WSResponse is a WebSocket API response.
type WSResponse struct {
	ID     string
	Status int
	Result json.RawMessage
	// Err is set when Status is not 200.
	Err *APIError
	// RetryAfter is the ban's end in Unix ms on a 418 or 429 (0 otherwise).
	RetryAfter int64
}

// DecodeWSResponse reads a WebSocket API response: {"id", "status",
// "result"} or {"id", "status", "error": {"code", "msg", "data"}}.
func DecodeWSResponse(data []byte) (*WSResponse, error) {
	var j struct {
		ID     json.RawMessage `json:"id"`
		Status int             `json:"status"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
			Data struct {
				RetryAfter int64 `json:"retryAfter"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := unmarshal("WebSocket API response", data, &j); err != nil {
		return nil, err
	}
	if len(j.ID) == 0 || j.Status == 0 {
		return nil, badf("WebSocket API response", "id or status is missing")
	}
	r := &WSResponse{ID: strings.Trim(string(j.ID), `"`), Status: j.Status, Result: j.Result}
	if j.Status != 200 {
		r.Err = &APIError{HTTPStatus: j.Status, Msg: "(no error body)"}
		if j.Error != nil {
			r.Err.Code, r.Err.Msg = j.Error.Code, sanitize(j.Error.Msg)
			if j.Error.Data.RetryAfter > 0 {
				r.RetryAfter = j.Error.Data.RetryAfter
				r.Err.RetryAfter = time.Until(time.UnixMilli(r.RetryAfter)).Round(time.Second)
			}
		}
	}
	return r, nil
}
