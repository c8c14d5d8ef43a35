package market

import (
	_ "embed"
	"fmt"
)

// SnapshotDate is the day the shipped exchangeInfo snapshots describe.
const SnapshotDate = "2026-07-21"

// spotSnapshot is GET /api/v3/exchangeInfo as of 2026-07-21 for BTCUSDT,
// ETHUSDT, BNBUSDT, SOLUSDT, XRPUSDT, ADAUSDT, DOGEUSDT and LTCUSDT, in
// Binance's own layout. BTCUSDT's filters are the representative block of the
// shared test vectors; the other pairs carry Binance's tick and step sizes for
// them with the same NOTIONAL, PERCENT_PRICE_BY_SIDE, TRAILING_DELTA and order
// limits. MARKET_LOT_SIZE maxQty, which Binance recomputes from liquidity, is
// representative only.
//
//go:embed snapshot/spot-exchangeinfo-2026-07-21.json
var spotSnapshot string

// futuresUMSnapshot is GET /fapi/v1/exchangeInfo as of 2026-07-21 for the
// same perpetuals. BTCUSDT's filters are the representative block of the
// shared test vectors; the others are representative values for those
// contracts.
//
//go:embed snapshot/futures-um-exchangeinfo-2026-07-21.json
var futuresUMSnapshot string

// DefaultSpot returns the spot exchangeInfo shipped with thunes, dated
// 2026-07-21 (SnapshotDate), for BTCUSDT, ETHUSDT, BNBUSDT, SOLUSDT, XRPUSDT,
// ADAUSDT, DOGEUSDT and LTCUSDT. It lets backtests, paper trading and the
// simulator run without the network.
//
// The values are representative, not live: exchange rules change, and the
// Binance connector refreshes them from GET /api/v3/exchangeInfo before
// trading real money. Each call parses the embedded document afresh, so
// callers own the result.
func DefaultSpot() (*ExchangeInfo, error) {
	x, err := ParseExchangeInfo([]byte(spotSnapshot), Spot)
	if err != nil {
		return nil, fmt.Errorf("spot snapshot %s: %w", SnapshotDate, err)
	}
	return x, nil
}

// DefaultFuturesUM returns the USDⓈ-M futures exchangeInfo shipped with
// thunes, dated 2026-07-21 (SnapshotDate), for the same eight perpetuals as
// DefaultSpot.
//
// The values are representative, not live; the Binance connector refreshes
// them from GET /fapi/v1/exchangeInfo before trading real money. Each call
// parses the embedded document afresh, so callers own the result.
func DefaultFuturesUM() (*ExchangeInfo, error) {
	x, err := ParseExchangeInfo([]byte(futuresUMSnapshot), FuturesUM)
	if err != nil {
		return nil, fmt.Errorf("futures-um snapshot %s: %w", SnapshotDate, err)
	}
	return x, nil
}

// DefaultSpotJSON returns the spot exchangeInfo document DefaultSpot parses,
// as Binance sent it, so a server can serve exactly what the instruments were
// read from. Callers own the returned slice.
func DefaultSpotJSON() []byte { return []byte(spotSnapshot) }
