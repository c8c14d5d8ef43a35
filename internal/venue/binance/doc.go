// Package binance is thunes's own thin client for Binance spot and the venue
// adapter that puts it behind venue.Venue:
//
//   - Client: signed REST requests (Ed25519 or HMAC-SHA256 over the
//     percent-encoded payload), server-time sync, request-weight and
//     order-count throttling, Retry-After bans, a circuit breaker per endpoint
//     group, retries of idempotent requests only, and orders whose outcome is
//     unknown looked up by client order id instead of resent.
//   - MarketData: bookTicker, kline and depth streams with ping/pong,
//     rotation, jittered reconnects, gap backfill and REST polling while down.
//   - UserStream: the user-data subscription over the WebSocket API.
//   - Venue: venue.Venue over all of it, reporting each order event once.
//   - Decoders for every Binance payload used, into exact decimals.
//
// It holds no package-level state: every base URL, clock, key and limit is
// injected. docs/binance.md describes the design.
package binance
