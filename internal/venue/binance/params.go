package binance

import (
	"net/url"
	"strconv"

	"github.com/thunes/thunes/internal/num"
)

// Params is an ordered list of request parameters. Encode percent-encodes
// every key and value in insertion order; that exact string is both what is
// signed and what is sent, as Binance has required since 2026-01-15.
type Params struct {
	kv []string
}

// Set appends key=value. Keys are not de-duplicated: callers add each once.
func (p *Params) Set(key, value string) *Params {
	p.kv = append(p.kv, key, value)
	return p
}

// SetInt appends key=v in decimal.
func (p *Params) SetInt(key string, v int64) *Params {
	return p.Set(key, strconv.FormatInt(v, 10))
}

// SetDecimal appends key=d in its exact text form.
func (p *Params) SetDecimal(key string, d num.Decimal) *Params {
	return p.Set(key, d.String())
}

// Get returns the first value of key and whether it is present.
func (p *Params) Get(key string) (string, bool) {
	for i := 0; i+1 < len(p.kv); i += 2 {
		if p.kv[i] == key {
			return p.kv[i+1], true
		}
	}
	return "", false
}

// Len returns the number of parameters.
func (p *Params) Len() int { return len(p.kv) / 2 }

// Encode returns k=v pairs joined with '&', keys and values percent-encoded
// (UTF-8, RFC 3986 unreserved characters kept, space as %20).
func (p *Params) Encode() string {
	return string(p.AppendEncoded(nil))
}

// AppendEncoded appends Encode's output to b.
func (p *Params) AppendEncoded(b []byte) []byte {
	for i := 0; i+1 < len(p.kv); i += 2 {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendEscaped(b, p.kv[i])
		b = append(b, '=')
		b = appendEscaped(b, p.kv[i+1])
	}
	return b
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b = append(b, c)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// parseQuery is the inverse of Encode, for tests and fakes: it decodes a
// query string keeping the order of its pairs.
func parseQuery(q string) (*Params, error) {
	var p Params
	for q != "" {
		var pair string
		pair, q, _ = cut(q, '&')
		k, v, _ := cut(pair, '=')
		ku, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		vu, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		p.Set(ku, vu)
	}
	return &p, nil
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
