package simnet

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/thunes/thunes/internal/num"
)

// Limits on what a request may carry; Binance refuses far smaller requests
// than these, so they only keep a hostile client from costing memory.
const (
	maxBodyBytes = 64 << 10
	maxParams    = 128
)

// params are a request's parameters, read the way Binance reads them: from
// the query string and from an application/x-www-form-urlencoded body (on any
// method, DELETE included); when a name is in both, the query string wins.
type params struct {
	vals map[string]string
	// payload is the text a signature covers: the raw query string and the
	// raw body joined with no separator, each without its signature pair.
	payload string
	// signature is the decoded value of the signature parameter.
	signature string
	hasSig    bool
}

// parseParams reads the parameters of a request whose raw query string and
// form body are given. A malformed pair gives -1100, a name sent twice in the
// same place -1101, two signatures -1022.
func parseParams(rawQuery, body string) (*params, *apiError) {
	p := &params{vals: make(map[string]string, 16)}
	q, err := p.read(rawQuery, true)
	if err != nil {
		return nil, err
	}
	b, err := p.read(body, false)
	if err != nil {
		return nil, err
	}
	p.payload = q + b
	return p, nil
}

// read adds the pairs of one raw component and returns the component without
// its signature pair. fromQuery says whether the component is the query
// string, whose values win over the body's.
func (p *params) read(raw string, fromQuery bool) (string, *apiError) {
	if raw == "" {
		return "", nil
	}
	var seen [maxParams]string // names in this component
	nSeen := 0
	sigStart, sigEnd := -1, -1 // the signature pair's bytes in raw
	pos := 0
	for pos <= len(raw) {
		end := strings.IndexByte(raw[pos:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
		}
		piece := raw[pos:end]
		start := pos
		pos = end + 1
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		key, ok1 := unescape(k)
		val, ok2 := unescape(v)
		if !ok1 || !ok2 || key == "" {
			return "", errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in a parameter.")
		}
		for _, n := range seen[:nSeen] {
			if n == key {
				return "", errDuplicateParam
			}
		}
		if nSeen == maxParams || len(p.vals) >= maxParams {
			return "", errf(http.StatusBadRequest, codeTooManyParams, "Too many parameters sent for this endpoint.")
		}
		seen[nSeen] = key
		nSeen++
		if key == "signature" {
			if p.hasSig {
				return "", errBadSignature
			}
			p.hasSig, p.signature = true, val
			sigStart, sigEnd = start, end
			continue
		}
		if _, dup := p.vals[key]; dup && !fromQuery {
			continue // the query string's value wins
		}
		p.vals[key] = val
	}
	if sigStart < 0 {
		return raw, nil
	}
	// Cut the signature pair and one of the '&' around it.
	before, after := raw[:sigStart], ""
	if sigEnd < len(raw) {
		after = raw[sigEnd+1:]
	}
	before = strings.TrimSuffix(before, "&")
	switch {
	case before == "":
		return strings.TrimLeft(after, "&"), nil
	case after == "":
		return before, nil
	}
	return before + "&" + after, nil
}

// unescape decodes a form-encoded name or value, without allocating when
// there is nothing to decode.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

// get returns the parameter name, or "" when it was not sent.
func (p *params) get(name string) string { return p.vals[name] }

// has reports whether name was sent with a non-empty value.
func (p *params) has(name string) bool { return p.vals[name] != "" }

// require returns the parameter name or -1102 when it is missing or empty.
func (p *params) require(name string) (string, *apiError) {
	v := p.vals[name]
	if v == "" {
		return "", errMandatory(name)
	}
	return v, nil
}

// int64Param reads an optional integer; def when absent, -1100/-1102 when
// malformed.
func (p *params) int64Param(name string, def int64) (int64, *apiError) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.", name)
	}
	return n, nil
}

// decimalParam reads an optional decimal; zero when absent. A malformed or
// negative value gives -1100.
func (p *params) decimalParam(name string) (num.Decimal, bool, *apiError) {
	v, ok := p.vals[name]
	if !ok || v == "" {
		return num.Decimal{}, false, nil
	}
	d, err := num.Parse(v)
	if err != nil || d.IsNeg() || strings.ContainsAny(v, "eE") {
		return num.Decimal{}, false, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter '%s'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.", name)
	}
	return d, true, nil
}

// validSymbolText reports whether s can be a symbol: 1 to 20 upper-case
// letters or digits.
func validSymbolText(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validClientID reports whether s is a client order id Binance accepts:
// ^[a-zA-Z0-9-_]{1,36}$ (with '.' and ':' too, as ccxt's ids use).
func validClientID(s string) bool {
	if len(s) == 0 || len(s) > 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// timeRange reads the optional startTime and endTime, -1 when absent.
func (p *params) timeRange() (start, end int64, aerr *apiError) {
	if start, aerr = p.int64Param("startTime", -1); aerr != nil {
		return 0, 0, aerr
	}
	if end, aerr = p.int64Param("endTime", -1); aerr != nil {
		return 0, 0, aerr
	}
	return start, end, nil
}
