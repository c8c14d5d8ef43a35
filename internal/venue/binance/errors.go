package binance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Binance error codes the client acts on.
const (
	CodeUnknown          = -1000
	CodeDisconnected     = -1001
	CodeTooManyRequests  = -1003
	CodeUnexpectedResp   = -1006
	CodeTimeout          = -1007
	CodeServerBusy       = -1008
	CodeTimestamp        = -1021 // INVALID_TIMESTAMP: outside recvWindow or ahead of server time
	CodeInvalidSignature = -1022
	CodeRejected         = -2010 // NEW_ORDER_REJECTED
	CodeCancelRejected   = -2011
	CodeNoSuchOrder      = -2013 // Order does not exist.
	CodeBadAPIKey        = -2014
	CodeRejectedMBXKey   = -2015 // Invalid API-key, IP, or permissions for action.
)

// APIError is an error answer from Binance: the HTTP status and the body's
// code and msg. Msg is the exchange's text, cut to 200 bytes with control
// characters removed, since it comes from outside.
type APIError struct {
	HTTPStatus int
	Code       int
	Msg        string
	// RetryAfter is the Retry-After header of a 429 or 418, zero otherwise.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("binance: HTTP %d: %s", e.HTTPStatus, e.Msg)
	}
	return fmt.Sprintf("binance: HTTP %d code %d: %s", e.HTTPStatus, e.Code, e.Msg)
}

// Temporary reports whether the same request may succeed later unchanged:
// rate limits, bans and server-side failures.
func (e *APIError) Temporary() bool {
	return e.HTTPStatus == 429 || e.HTTPStatus == 418 || e.HTTPStatus >= 500
}

// Rejected reports whether Binance answered and definitely did not act on the
// request (a 4xx that is not a rate limit). For an order, it was not placed.
func (e *APIError) Rejected() bool {
	return e.HTTPStatus >= 400 && e.HTTPStatus < 500 && e.HTTPStatus != 408 && e.Code != CodeTimeout && e.Code != CodeUnexpectedResp
}

// Errors the client returns without (or before) talking to Binance.
var (
	// ErrBanned: the client is inside a Retry-After period after a 429 or 418
	// and did not send the request.
	ErrBanned = errors.New("binance: rate limited, request not sent")
	// ErrThrottled: sending would break a request-weight or order-count limit
	// and waiting for the window to reset would outlast the context.
	ErrThrottled = errors.New("binance: request would exceed a rate limit, not sent")
	// ErrCircuitOpen: the endpoint group's circuit breaker is open after
	// repeated failures; the request was not sent.
	ErrCircuitOpen = errors.New("binance: circuit breaker open, request not sent")
	// ErrUnknownOutcome: a request that changes state was sent but its result
	// never arrived (timeout, 5xx, -1007). It may or may not have taken effect.
	ErrUnknownOutcome = errors.New("binance: outcome unknown")
	// ErrBadResponse: Binance's answer could not be decoded or failed
	// validation.
	ErrBadResponse = errors.New("binance: bad response")
)

// parseAPIError builds an APIError from an error response body.
func parseAPIError(status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var b struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	if json.Unmarshal(body, &b) == nil && b.Code != nil {
		e.Code, e.Msg = *b.Code, sanitize(b.Msg)
	} else {
		e.Msg = sanitize(string(body))
		if e.Msg == "" {
			e.Msg = "(empty body)"
		}
	}
	return e
}

// sanitize makes exchange-supplied text safe to log: valid UTF-8, no control
// characters, at most 200 bytes.
func sanitize(s string) string {
	const max = 200
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || r < ' ' || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// APICode returns the Binance error code carried by err, or 0.
func APICode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
