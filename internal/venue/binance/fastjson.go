package binance

import (
	"bytes"

	"github.com/thunes/thunes/internal/num"
)

// scanner is a minimal JSON reader for the hot market-data path. It handles
// exactly the shapes Binance sends and reports !ok on anything else (string
// escapes, deep nesting), in which case callers fall back to encoding/json,
// so the two always agree.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it is the next byte.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes and returns its contents.
func (s *scanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// strRaw reads a string without escapes but does not check it for control
// characters: use it only where the value is validated afterwards (decimals,
// symbols), so that a control character is refused there.
func (s *scanner) strRaw() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	rest := s.b[s.i:]
	n := bytes.IndexByte(rest, '"')
	if n < 0 || bytes.IndexByte(rest[:n], '\\') >= 0 {
		return nil, false
	}
	s.i += n + 1
	return rest[:n], true
}

// int reads a JSON integer that fits in int64 (no fraction or exponent).
func (s *scanner) int() (int64, bool) {
	s.ws()
	neg := false
	if s.i < len(s.b) && s.b[s.i] == '-' {
		neg = true
		s.i++
	}
	start := s.i
	var v uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		if v > (1<<63-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	n := s.i - start
	if n == 0 || n > 1 && s.b[start] == '0' || v > 1<<63-1 {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	if neg {
		if v == 0 {
			return 0, false // "-0": let encoding/json decide
		}
		return -int64(v), true
	}
	return int64(v), true
}

// skip skips one scalar value (string without escapes, number, true, false,
// null). Objects and arrays report !ok.
func (s *scanner) skip() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return true
			}
		}
	}
	return false
}

// number skips one JSON number, held to JSON's grammar:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, so that "00", "1." or "1e"
// are refused as encoding/json refuses them.
func (s *scanner) number() bool {
	b, i := s.b, s.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.i = i
	return true
}

// rest reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// parseDecimal reads a decimal string as num.ParseBytes does, with a fast path
// for the common case of an unsigned number of at most 18 digits.
func parseDecimal(b []byte) (num.Decimal, error) {
	var coef int64
	digits, scale, dot := 0, 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			coef = coef*10 + int64(c-'0')
			digits++
			if dot >= 0 {
				scale++
			}
		case c == '.' && dot < 0 && i > 0:
			dot = i
		default:
			return num.ParseBytes(b)
		}
	}
	if digits == 0 || digits > 18 || dot == len(b)-1 {
		return num.ParseBytes(b)
	}
	return num.New(coef, uint8(scale))
}
