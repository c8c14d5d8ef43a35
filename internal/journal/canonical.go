package journal

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/thunes/thunes/internal/num"
)

// Canonical JSON, the form every record is hashed in (docs/audit.md):
//
//   - objects have their keys sorted by their UTF-8 bytes, each key once;
//   - no whitespace outside strings;
//   - strings are UTF-8; '"' and '\' are escaped with a backslash, the
//     control characters \b \f \n \r \t by their short escapes and the other
//     control characters below U+0020 as \u00XX (lower-case hex); every
//     other character is written as itself;
//   - integers are written in decimal without a fraction or exponent;
//     decimals (prices, quantities, money) are strings in their shortest
//     exact form, never JSON numbers, so no float ever enters a hash;
//   - true, false and null as themselves.
//
// This is what Python's json.dumps(obj, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) produces for the same value, so a record can be
// checked without thunes.

// AppendCanonical appends the canonical JSON of v to b. v may be nil, a
// bool, a string, an int, an int64, a num.Decimal (written as a string), a
// map[string]any or a []any of those; anything else is an error, and so is
// a string that is not valid UTF-8.
func AppendCanonical(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case num.Decimal:
		return appendString(b, x.String())
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return b, fmt.Errorf("number %s is not an integer: decimals are strings in canonical JSON", x)
		}
		return strconv.AppendInt(b, i, 10), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendString(b, k); err != nil {
				return b, err
			}
			b = append(b, ':')
			if b, err = AppendCanonical(b, x[k]); err != nil {
				return b, fmt.Errorf("key %q: %w", k, err)
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = AppendCanonical(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("canonical JSON has no form for %T", v)
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("string %q is not valid UTF-8", s)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"'), nil
}
