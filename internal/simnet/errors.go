package simnet

import (
	"fmt"
	"net/http"
)

// apiError is a Binance error reply: the HTTP status and the {code, msg}
// body Binance sends. Messages are Binance's own wording (spot errors.md).
type apiError struct {
	Status int    `json:"-"`
	Code   int    `json:"code"`
	Msg    string `json:"msg"`
	// RetryAfter, in seconds, is sent as the Retry-After header on 429 and
	// 418 replies; 0 sends none.
	RetryAfter int64 `json:"-"`
}

func (e *apiError) Error() string { return fmt.Sprintf("binance %d: %s", e.Code, e.Msg) }

// Binance's error codes used by simnet.
const (
	codeUnknown          = -1000
	codeDisconnected     = -1001
	codeTooManyRequests  = -1003
	codeTimeout          = -1007
	codeTooManyOrders    = -1015
	codeInvalidTimestamp = -1021
	codeInvalidSignature = -1022
	codeIllegalChars     = -1100
	codeTooManyParams    = -1101
	codeMandatoryParam   = -1102
	codeInvalidTIF       = -1115
	codeInvalidOrderType = -1116
	codeInvalidSide      = -1117
	codeBadSymbol        = -1121
	codeBadInterval      = -1120
	codeInvalidParam     = -1130
	codeBadRecvWindow    = -1131
	codeInvalidMessage   = -1013
	codeNewOrderRejected = -2010
	codeCancelRejected   = -2011
	codeNoSuchOrder      = -2013
	codeBadAPIKeyFormat  = -2014
	codeRejectedMBXKey   = -2015
	codeOrderIDMismatch  = -2039
)

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func errMandatory(name string) *apiError {
	return errf(http.StatusBadRequest, codeMandatoryParam, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name)
}

func errIllegal(name string) *apiError {
	return errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter '%s'; legal range is '^[\\w\\-._&&[^ ]]{1,36}$'.", name)
}

var (
	errBadSymbol      = errf(http.StatusBadRequest, codeBadSymbol, "Invalid symbol.")
	errBadSignature   = errf(http.StatusBadRequest, codeInvalidSignature, "Signature for this request is not valid.")
	errAPIKeyFormat   = errf(http.StatusUnauthorized, codeBadAPIKeyFormat, "API-key format invalid.")
	errRejectedKey    = errf(http.StatusUnauthorized, codeRejectedMBXKey, "Invalid API-key, IP, or permissions for action.")
	errOutsideWindow  = errf(http.StatusBadRequest, codeInvalidTimestamp, "Timestamp for this request is outside of the recvWindow.")
	errAhead          = errf(http.StatusBadRequest, codeInvalidTimestamp, "Timestamp for this request was 1000ms ahead of the server's time.")
	errRecvWindow     = errf(http.StatusBadRequest, codeBadRecvWindow, "recvWindow must be less than 60000")
	errInsufficient   = errf(http.StatusBadRequest, codeNewOrderRejected, "Account has insufficient balance for requested action.")
	errDuplicateOrder = errf(http.StatusBadRequest, codeNewOrderRejected, "Duplicate order sent.")
	errWouldTake      = errf(http.StatusBadRequest, codeNewOrderRejected, "Order would immediately match and take.")
	errWouldTrigger   = errf(http.StatusBadRequest, codeNewOrderRejected, "Order would trigger immediately.")
	errUnknownOrder   = errf(http.StatusBadRequest, codeNoSuchOrder, "Order does not exist.")
	errCancelUnknown  = errf(http.StatusBadRequest, codeCancelRejected, "Unknown order sent.")
	errOrderMismatch  = errf(http.StatusBadRequest, codeOrderIDMismatch, "Order was not canceled due to mismatched orderId and origClientOrderId.")
	errDuplicateParam = errf(http.StatusBadRequest, codeTooManyParams, "Duplicate values for a parameter detected.")
	errBadInterval    = errf(http.StatusBadRequest, codeBadInterval, "Invalid interval.")
	errInternal       = errf(http.StatusInternalServerError, codeUnknown, "An unknown error occurred while processing the request.")
	errNotFound       = errf(http.StatusNotFound, codeUnknown, "Unknown endpoint.")
	errMethod         = errf(http.StatusMethodNotAllowed, codeUnknown, "Method not allowed for this endpoint.")
)
