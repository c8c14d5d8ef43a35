package binance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// WSConfig sets how a WebSocket connection is kept: reconnect back-off,
// liveness and rotation. Zero fields take the defaults shown.
type WSConfig struct {
	// MinBackoff and MaxBackoff bound the jittered exponential delay between
	// reconnects (defaults 500 ms and 30 s).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// IdleTimeout: with no frame from the server for this long, the client
	// pings; with no pong within it again, the connection is replaced
	// (default 30 s; Binance pings every 20 s).
	IdleTimeout time.Duration
	// MaxConnAge: connections are replaced before Binance's 24-hour cut
	// (default 23 h 50 min).
	MaxConnAge time.Duration
	// ReadLimit bounds one message (default 4 MiB).
	ReadLimit int64
	// HTTPClient dials (default http.DefaultClient).
	HTTPClient *http.Client
}

func (c WSConfig) withDefaults() WSConfig {
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(30*time.Second, c.MinBackoff)
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.MaxConnAge <= 0 {
		c.MaxConnAge = 23*time.Hour + 50*time.Minute
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 4 << 20
	}
	return c
}

// errRotate ends a session on purpose (age limit, serverShutdown): reconnect
// at once, without back-off.
var errRotate = errors.New("connection rotated")

// wsConn is one live connection with liveness tracking.
type wsConn struct {
	*websocket.Conn
	lastSeen atomic.Int64 // unix nanos of the last frame received
}

// dialWS opens url and starts a watchdog that pings when the server has been
// quiet for cfg.IdleTimeout and closes the connection when no pong follows
// or when it reaches cfg.MaxConnAge. The returned context ends with the
// connection.
func dialWS(ctx context.Context, url string, cfg WSConfig) (*wsConn, context.Context, context.CancelFunc, error) {
	wc := &wsConn{}
	opts := &websocket.DialOptions{HTTPClient: cfg.HTTPClient,
		OnPingReceived: func(context.Context, []byte) bool { wc.lastSeen.Store(time.Now().UnixNano()); return true },
		OnPongReceived: func(context.Context, []byte) { wc.lastSeen.Store(time.Now().UnixNano()) }}
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	conn, resp, err := websocket.Dial(dctx, url, opts)
	dcancel()
	if err != nil {
		if resp != nil {
			return nil, nil, nil, fmt.Errorf("dial %s: HTTP %d: %w", redactURL(url), resp.StatusCode, err)
		}
		return nil, nil, nil, fmt.Errorf("dial %s: %w", redactURL(url), err)
	}
	conn.SetReadLimit(cfg.ReadLimit)
	wc.Conn = conn
	wc.lastSeen.Store(time.Now().UnixNano())
	sctx, cancel := context.WithCancelCause(ctx)
	go func() {
		age := time.NewTimer(cfg.MaxConnAge)
		defer age.Stop()
		tick := time.NewTicker(cfg.IdleTimeout / 4)
		defer tick.Stop()
		for {
			select {
			case <-sctx.Done():
				conn.CloseNow()
				return
			case <-age.C:
				cancel(fmt.Errorf("%w: %s old", errRotate, cfg.MaxConnAge))
				conn.Close(websocket.StatusNormalClosure, "rotating")
				return
			case <-tick.C:
				if time.Since(time.Unix(0, wc.lastSeen.Load())) < cfg.IdleTimeout {
					continue
				}
				pctx, pcancel := context.WithTimeout(sctx, cfg.IdleTimeout)
				err := conn.Ping(pctx)
				pcancel()
				if err != nil && sctx.Err() == nil {
					cancel(fmt.Errorf("no frame for %s and no pong: %w", cfg.IdleTimeout, err))
					conn.CloseNow()
					return
				}
			}
		}
	}()
	return wc, sctx, func() { cancel(context.Canceled) }, nil
}

// read returns the next data message, refreshing the liveness stamp.
func (wc *wsConn) read(ctx context.Context) ([]byte, error) {
	_, msg, err := wc.Read(ctx)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return nil, cause
		}
		return nil, err
	}
	wc.lastSeen.Store(time.Now().UnixNano())
	return msg, nil
}

// backoff is a jittered exponential delay.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur < b.min {
		b.cur = b.min
	}
	d := b.cur/2 + rand.N(b.cur/2+1)
	b.cur = min(b.cur*2, b.max)
	return d
}

func (b *backoff) reset() { b.cur = 0 }

// keepConnected runs session until ctx ends, starting it again after each
// return with jittered back-off from cfg; a session that lasted over a
// minute resets the back-off. A session ending with errRotate is replaced at
// once; any other end is passed to down with the wait before the next
// attempt. It returns ctx's error.
func keepConnected(ctx context.Context, cfg WSConfig, session func(context.Context) error, down func(err error, wait time.Duration)) error {
	bo := backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff}
	for {
		start := time.Now()
		err := session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(start) > time.Minute {
			bo.reset()
		}
		wait := bo.next()
		if errors.Is(err, errRotate) {
			wait = 0
		} else {
			down(err, wait)
		}
		if sleepCtx(ctx, wait) != nil {
			return ctx.Err()
		}
	}
}

// redactURL drops the query of a URL for messages (it may list streams or,
// elsewhere, keys).
func redactURL(u string) string {
	for i := 0; i < len(u); i++ {
		if u[i] == '?' {
			return u[:i] + "?…"
		}
	}
	return u
}
