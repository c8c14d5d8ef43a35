package binance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/market"
)

// MarketHandler receives market data. Calls never overlap: they come from the
// stream reader, or from the REST poller while the stream is down, one at a
// time. Values passed are only valid during the call.
type MarketHandler interface {
	// OnBookTicker receives best bid/ask updates. From the REST fallback
	// UpdateID is 0.
	OnBookTicker(t *BookTicker)
	// OnKline receives closed candles, per symbol in strictly increasing open
	// time without gaps: a gap is filled from REST first.
	OnKline(symbol string, k *Kline)
	// OnBook receives the symbol's book after each change while it is in
	// sync.
	OnBook(b *Book)
}

// MarketConfig says which streams to follow and how.
type MarketConfig struct {
	// StreamURL is the market stream root, such as
	// wss://stream.binance.com:9443 (the client adds /stream?streams=...).
	StreamURL string
	// Client serves REST backfill, depth snapshots and fallback polling.
	Client  *Client
	Symbols []string
	// BookTicker, KlineInterval (0 for none) and Depth choose the streams.
	BookTicker    bool
	KlineInterval market.Interval
	Depth         bool
	// DepthLimit is the snapshot size (default 1000).
	DepthLimit int
	// PollEvery is the REST polling period while the stream is down
	// (default 2 s). FallbackAfter is how long the stream must be down before
	// polling starts (default 0: at once).
	PollEvery     time.Duration
	FallbackAfter time.Duration
	WS            WSConfig
	Handler       MarketHandler
}

// MarketData follows Binance market streams, keeping kline series gap-free
// and books in sync, and polls REST while the stream is down.
type MarketData struct {
	cfg     MarketConfig
	c       *Client
	url     string
	hmu     sync.Mutex // serialises handler calls and the state below
	books   map[string]*Book
	klines  map[string]int64 // last closed kline open time per symbol
	bt      BookTicker
	down    bool
	polling context.CancelFunc
	pollWG  sync.WaitGroup
}

// NewMarketData checks cfg.
func NewMarketData(cfg MarketConfig) (*MarketData, error) {
	var errs []string
	if !strings.HasPrefix(cfg.StreamURL, "ws://") && !strings.HasPrefix(cfg.StreamURL, "wss://") {
		errs = append(errs, fmt.Sprintf("stream URL %q must start with ws:// or wss://", cfg.StreamURL))
	}
	if cfg.Client == nil || cfg.Handler == nil {
		errs = append(errs, "client and handler are required")
	}
	if len(cfg.Symbols) == 0 || !cfg.BookTicker && cfg.KlineInterval == 0 && !cfg.Depth {
		errs = append(errs, "no symbols or no streams chosen")
	}
	for _, sym := range cfg.Symbols {
		if !validStreamSymbol(sym) {
			errs = append(errs, fmt.Sprintf("symbol %.40q must be 1-30 of [A-Z0-9]", sym))
		}
	}
	if cfg.DepthLimit < 0 || cfg.DepthLimit > 5000 {
		errs = append(errs, fmt.Sprintf("depth limit %d must be in [1, 5000]", cfg.DepthLimit))
	}
	if cfg.KlineInterval < 0 {
		errs = append(errs, "calendar-month klines are not supported on streams here")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("market data config: %s", strings.Join(errs, "; "))
	}
	if cfg.DepthLimit <= 0 {
		cfg.DepthLimit = 1000
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 2 * time.Second
	}
	cfg.WS = cfg.WS.withDefaults()
	var streams []string
	m := &MarketData{cfg: cfg, c: cfg.Client, books: map[string]*Book{}, klines: map[string]int64{}}
	for _, s := range cfg.Symbols {
		ls := strings.ToLower(s)
		if cfg.BookTicker {
			streams = append(streams, ls+"@bookTicker")
		}
		if cfg.KlineInterval > 0 {
			streams = append(streams, ls+"@kline_"+cfg.KlineInterval.String())
		}
		if cfg.Depth {
			streams = append(streams, ls+"@depth@100ms")
			m.books[s] = &Book{Symbol: s}
		}
	}
	m.url = strings.TrimRight(cfg.StreamURL, "/") + "/stream?streams=" + strings.Join(streams, "/")
	return m, nil
}

// Run follows the streams until ctx ends, reconnecting with jittered
// back-off, replacing connections before 24 h, and polling REST while
// disconnected. It returns ctx's error.
func (m *MarketData) Run(ctx context.Context) error {
	defer m.stopPolling()
	return keepConnected(ctx, m.cfg.WS, m.session, func(err error, _ time.Duration) {
		m.setDown(ctx, err)
	})
}

func (m *MarketData) session(ctx context.Context) error {
	wc, sctx, cancel, err := dialWS(ctx, m.url, m.cfg.WS)
	if err != nil {
		return err
	}
	defer cancel()
	first := true
	for {
		msg, err := wc.read(sctx)
		if err != nil {
			return err
		}
		if first {
			first = false
			m.setUp()
		}
		if err := m.handle(sctx, msg); err != nil {
			if errors.Is(err, errRotate) {
				return err
			}
			m.c.alert(AlertBadMessage, "market stream: "+err.Error())
		}
	}
}

func (m *MarketData) handle(ctx context.Context, msg []byte) error {
	stream, data, err := splitCombined(msg)
	if err != nil {
		return err
	}
	m.hmu.Lock()
	defer m.hmu.Unlock()
	switch {
	case bytes.HasSuffix(stream, []byte("@bookTicker")):
		if err := DecodeBookTicker(data, &m.bt); err != nil {
			return err
		}
		m.cfg.Handler.OnBookTicker(&m.bt)
		return nil
	case bytes.Contains(stream, []byte("@kline_")):
		k, err := DecodeKlineEvent(data)
		if err != nil {
			return err
		}
		if k.Interval != m.cfg.KlineInterval {
			return fmt.Errorf("kline interval %s, subscribed to %s", k.Interval, m.cfg.KlineInterval)
		}
		if k.Closed {
			m.kline(ctx, k.Symbol, &k.Kline)
		}
		return nil
	case bytes.Contains(stream, []byte("@depth")):
		d, err := DecodeDepthUpdate(data)
		if err != nil {
			return err
		}
		return m.depth(ctx, d)
	}
	typ, err := EventType(data)
	if err == nil && typ == "serverShutdown" {
		return fmt.Errorf("%w: serverShutdown", errRotate)
	}
	return fmt.Errorf("unexpected message on stream %.60q", stream)
}

// kline delivers a closed candle, first filling any gap since the last one
// from REST. Old or repeated candles are dropped. Callers hold hmu.
func (m *MarketData) kline(ctx context.Context, symbol string, k *Kline) {
	iv := int64(m.cfg.KlineInterval)
	last, seen := m.klines[symbol]
	if seen && k.Time <= last {
		return
	}
	if seen && k.Time > last+iv {
		m.c.alert(AlertGap, fmt.Sprintf("%s %s klines: gap from %d to %d, backfilling from REST", symbol, m.cfg.KlineInterval, last+iv, k.Time))
		for from := last + iv; from < k.Time; {
			rows, err := m.c.Klines(ctx, symbol, m.cfg.KlineInterval, from, k.Time-1, 1000)
			if err != nil {
				m.c.alert(AlertGap, fmt.Sprintf("%s klines: backfill failed, gap %d-%d stays: %v", symbol, from, k.Time, err))
				break
			}
			if len(rows) == 0 {
				break
			}
			for i := range rows {
				if rows[i].Time >= from && rows[i].Time < k.Time {
					rows[i].Closed = true
					m.cfg.Handler.OnKline(symbol, &rows[i])
					m.klines[symbol] = rows[i].Time
				}
			}
			next := rows[len(rows)-1].Time + iv
			if next <= from { // the answer did not move forward: stop rather than loop
				m.c.alert(AlertGap, fmt.Sprintf("%s klines: backfill answer ends before %d, gap stays", symbol, from))
				break
			}
			from = next
		}
	}
	m.cfg.Handler.OnKline(symbol, k)
	m.klines[symbol] = k.Time
}

// depth applies a diff, fetching a snapshot when the book needs one.
// Callers hold hmu.
func (m *MarketData) depth(ctx context.Context, d *DepthUpdate) error {
	b, ok := m.books[d.Symbol]
	if !ok {
		return fmt.Errorf("depth for unsubscribed symbol %.20q", d.Symbol)
	}
	switch b.Apply(d) {
	case BookApplied:
		m.cfg.Handler.OnBook(b)
	case BookNeedSnapshot:
		if b.UpdateID != 0 {
			m.c.alert(AlertGap, fmt.Sprintf("%s depth: update ids jumped to %d after %d, resyncing", d.Symbol, d.FirstID, b.UpdateID))
		}
		for attempt := 0; attempt < 3; attempt++ {
			s, err := m.c.Depth(ctx, d.Symbol, m.cfg.DepthLimit)
			if err != nil {
				return fmt.Errorf("depth snapshot %s: %w", d.Symbol, err)
			}
			r, err := b.Load(s)
			if err != nil {
				return err
			}
			if r == BookApplied {
				m.cfg.Handler.OnBook(b)
				return nil
			}
		}
		// Still older than the stream: the next diff asks again.
	}
	return nil
}

// setDown starts REST polling (after FallbackAfter) with an alert.
func (m *MarketData) setDown(ctx context.Context, cause error) {
	m.hmu.Lock()
	defer m.hmu.Unlock()
	for _, b := range m.books {
		b.reset() // diffs were missed: resync from a snapshot after reconnecting
	}
	if m.down {
		return
	}
	m.down = true
	m.c.alert(AlertStreamDown, fmt.Sprintf("market stream down (%v); polling REST every %s", cause, m.cfg.PollEvery))
	pctx, cancel := context.WithCancel(ctx)
	m.polling = cancel
	m.pollWG.Add(1)
	go m.poll(pctx)
}

func (m *MarketData) setUp() {
	m.hmu.Lock()
	wasDown := m.down
	m.down = false
	m.hmu.Unlock()
	if wasDown {
		m.stopPolling()
		m.c.alert(AlertStreamUp, "market stream back; REST polling stopped")
	}
}

func (m *MarketData) stopPolling() {
	m.hmu.Lock()
	cancel := m.polling
	m.polling = nil
	m.hmu.Unlock()
	if cancel != nil {
		cancel()
		m.pollWG.Wait()
	}
}

func (m *MarketData) poll(ctx context.Context) {
	defer m.pollWG.Done()
	if sleepCtx(ctx, m.cfg.FallbackAfter) != nil {
		return
	}
	t := time.NewTicker(m.cfg.PollEvery)
	defer t.Stop()
	for {
		for _, s := range m.cfg.Symbols {
			m.pollSymbol(ctx, s)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *MarketData) pollSymbol(ctx context.Context, symbol string) {
	fail := func(what string, err error) {
		if ctx.Err() == nil {
			m.c.alert(AlertStreamDown, fmt.Sprintf("REST fallback %s %s: %v", what, symbol, err))
		}
	}
	if m.cfg.BookTicker {
		if bt, err := m.c.BookTickerREST(ctx, symbol); err != nil {
			fail("bookTicker", err)
		} else {
			m.deliver(ctx, func() { m.cfg.Handler.OnBookTicker(&bt) })
		}
	}
	if m.cfg.KlineInterval > 0 {
		rows, err := m.c.Klines(ctx, symbol, m.cfg.KlineInterval, 0, 0, 3)
		if err != nil {
			fail("klines", err)
		}
		now := m.c.Timestamp()
		for i := range rows {
			if rows[i].CloseTime < now { // closed
				rows[i].Closed = true
				k := rows[i]
				m.deliver(ctx, func() { m.kline(ctx, symbol, &k) })
			}
		}
	}
}

// deliver runs f under the handler lock unless the stream came back or ctx
// ended meanwhile.
func (m *MarketData) deliver(ctx context.Context, f func()) {
	m.hmu.Lock()
	defer m.hmu.Unlock()
	if m.down && ctx.Err() == nil {
		f()
	}
}

// validStreamSymbol reports whether s can be put in a stream name as is.
func validStreamSymbol(s string) bool {
	if len(s) == 0 || len(s) > 30 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
