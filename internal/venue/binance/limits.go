package binance

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits are the rate limits the client keeps under. Zero fields take
// Binance spot's documented values.
type Limits struct {
	// WeightPerMinute is REQUEST_WEIGHT per minute per IP (6000).
	WeightPerMinute int
	// Orders10s and OrdersDay are the unfilled-order counts per account
	// (50 per 10 s, 160 000 per day).
	Orders10s int
	OrdersDay int
	// Headroom is the share of each limit the client uses before it waits
	// for the window to reset (0.9).
	Headroom float64
}

func (l Limits) withDefaults() Limits {
	if l.WeightPerMinute <= 0 {
		l.WeightPerMinute = 6000
	}
	if l.Orders10s <= 0 {
		l.Orders10s = 50
	}
	if l.OrdersDay <= 0 {
		l.OrdersDay = 160000
	}
	if l.Headroom <= 0 || l.Headroom > 1 {
		l.Headroom = 0.9
	}
	return l
}

// limiter tracks used weight and order counts from Binance's response headers
// and a Retry-After ban. It is safe for concurrent use.
type limiter struct {
	mu  sync.Mutex
	now func() time.Time
	lim Limits

	weight      int
	weightReset time.Time
	orders10s   int
	o10sReset   time.Time
	ordersDay   int
	oDayReset   time.Time
	bannedUntil time.Time
}

// Usage is a snapshot of the limiter's counters.
type Usage struct {
	Weight      int
	Orders10s   int
	OrdersDay   int
	BannedUntil time.Time
}

func (l *limiter) usage() Usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(l.now())
	return Usage{Weight: l.weight, Orders10s: l.orders10s, OrdersDay: l.ordersDay, BannedUntil: l.bannedUntil}
}

// roll zeroes counters whose window has ended.
func (l *limiter) roll(now time.Time) {
	if !now.Before(l.weightReset) {
		l.weight, l.weightReset = 0, now.Truncate(time.Minute).Add(time.Minute)
	}
	if !now.Before(l.o10sReset) {
		l.orders10s, l.o10sReset = 0, now.Truncate(10*time.Second).Add(10*time.Second)
	}
	if !now.Before(l.oDayReset) {
		l.ordersDay, l.oDayReset = 0, now.UTC().Truncate(24*time.Hour).Add(24*time.Hour)
	}
}

// reserve accounts for a request of the given weight (and one order when
// isOrder) and returns how long to wait before sending it. It returns an error
// wrapping ErrBanned inside a Retry-After period and ErrThrottled when the
// daily order count is used up.
func (l *limiter) reserve(weight int, isOrder bool) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.bannedUntil) {
		return 0, fmt.Errorf("%w until %s (%s left)", ErrBanned, l.bannedUntil.UTC().Format(time.RFC3339), l.bannedUntil.Sub(now).Round(time.Millisecond))
	}
	l.roll(now)
	if float64(l.weight+weight) > l.lim.Headroom*float64(l.lim.WeightPerMinute) {
		return l.weightReset.Sub(now), nil
	}
	if isOrder {
		if float64(l.ordersDay+1) > l.lim.Headroom*float64(l.lim.OrdersDay) {
			return 0, fmt.Errorf("%w: %d of %d daily orders used", ErrThrottled, l.ordersDay, l.lim.OrdersDay)
		}
		if float64(l.orders10s+1) > l.lim.Headroom*float64(l.lim.Orders10s) {
			return l.o10sReset.Sub(now), nil
		}
		l.orders10s++
		l.ordersDay++
	}
	l.weight += weight
	return 0, nil
}

// update reads the usage headers of a response, and Retry-After on a 429 or
// 418. It returns the Retry-After duration (0 if none).
func (l *limiter) update(status int, h http.Header) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.roll(now)
	if v, ok := headerInt(h, "X-Mbx-Used-Weight-1m"); ok {
		l.weight = v
	}
	if v, ok := headerInt(h, "X-Mbx-Order-Count-10s"); ok {
		l.orders10s = v
	}
	if v, ok := headerInt(h, "X-Mbx-Order-Count-1d"); ok {
		l.ordersDay = v
	}
	if status != http.StatusTooManyRequests && status != http.StatusTeapot {
		return 0
	}
	var ra time.Duration
	if v, ok := headerInt(h, "Retry-After"); ok {
		ra = max(time.Duration(v)*time.Second, time.Second)
	} else { // Binance always sends it; be careful if it is missing
		ra = time.Minute
		if status == http.StatusTeapot {
			ra = 2 * time.Minute
		}
	}
	if ra > 3*24*time.Hour { // the longest ban Binance documents
		ra = 3 * 24 * time.Hour
	}
	if until := now.Add(ra); until.After(l.bannedUntil) {
		l.bannedUntil = until
	}
	return ra
}

// banUntil records a ban ending at t (the WebSocket API's retryAfter).
func (l *limiter) banUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if max := l.now().Add(3 * 24 * time.Hour); t.After(max) {
		t = max
	}
	if t.After(l.bannedUntil) {
		l.bannedUntil = t
	}
}

func headerInt(h http.Header, key string) (int, bool) {
	s := h.Get(key)
	if s == "" || len(s) > 12 {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}
