package binance

import (
	"context"
	"fmt"
	"time"

	"github.com/thunes/thunes/internal/market"
)

// RunExchangeInfoSync fetches exchangeInfo for symbols now and then every
// interval (default 24 h: filters change rarely, and a -1013 filter failure
// is the cue to call SyncExchangeInfo sooner) until ctx ends. Each good
// document goes to onUpdate; a failed refresh is alerted and the previous
// document stays in force. It returns the first fetch's error, if any,
// without looping: trading must not start on unknown rules.
func (c *Client) RunExchangeInfoSync(ctx context.Context, every time.Duration, symbols []string, onUpdate func(*market.ExchangeInfo)) error {
	if every <= 0 {
		every = 24 * time.Hour
	}
	x, err := c.ExchangeInfo(ctx, symbols...)
	if err != nil {
		return fmt.Errorf("exchangeInfo: %w", err)
	}
	onUpdate(x)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			x, err := c.ExchangeInfo(ctx, symbols...)
			if err != nil {
				if ctx.Err() == nil {
					c.alert(AlertBadMessage, fmt.Sprintf("exchangeInfo refresh failed, keeping the previous rules: %v", err))
				}
				continue
			}
			onUpdate(x)
		}
	}
}
