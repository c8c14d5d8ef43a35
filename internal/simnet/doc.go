// Package simnet is a Binance-compatible spot exchange for localhost: the
// REST API, the market streams and the WebSocket API of Binance spot, served
// over a synthetic (or replayed) market with persistent accounts and
// deterministic fault injection. Unmodified Binance clients trade on it; see
// docs/simnet.md.
//
// An Exchange owns the markets and the accounts; Handler serves them over
// HTTP and WebSocket, Run moves the market and saves the state. Money is
// exact (internal/num) and every reply uses Binance's JSON shapes, error
// codes and HTTP statuses.
package simnet
