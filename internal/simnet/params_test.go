package simnet

import "testing"

func TestParseParams(t *testing.T) {
	cases := []struct {
		query, body string
		payload     string
		sig         string
		vals        map[string]string
		code        int
	}{
		{"a=1&b=2&signature=ff", "", "a=1&b=2", "ff", map[string]string{"a": "1", "b": "2"}, 0},
		{"signature=ff&a=1", "", "a=1", "ff", map[string]string{"a": "1"}, 0},
		{"a=1&signature=ff&b=2", "", "a=1&b=2", "ff", map[string]string{"a": "1", "b": "2"}, 0},
		{"a=1", "b=2&signature=ff", "a=1b=2", "ff", map[string]string{"a": "1", "b": "2"}, 0},
		{"a=1&b=x", "b=y&c=3", "a=1&b=xb=y&c=3", "", map[string]string{"a": "1", "b": "x", "c": "3"}, 0}, // query wins
		{"s=%EF%BC%91&t=a+b", "", "s=%EF%BC%91&t=a+b", "", map[string]string{"s": "１", "t": "a b"}, 0},
		{"sig=abc%2F%3D%3D&signature=abc%2F%3D%3D", "", "sig=abc%2F%3D%3D", "abc/==", map[string]string{"sig": "abc/=="}, 0},
		{"a=1&a=2", "", "", "", nil, -1101},
		{"a=%zz", "", "", "", nil, -1100},
		{"=1", "", "", "", nil, -1100},
		{"signature=a", "signature=b", "", "", nil, -1022},
	}
	for _, c := range cases {
		p, aerr := parseParams(c.query, c.body)
		if c.code != 0 {
			if aerr == nil || aerr.Code != c.code {
				t.Errorf("%q %q: %v, want code %d", c.query, c.body, aerr, c.code)
			}
			continue
		}
		if aerr != nil {
			t.Errorf("%q %q: %v", c.query, c.body, aerr)
			continue
		}
		if p.payload != c.payload || p.signature != c.sig || p.hasSig != (c.sig != "") {
			t.Errorf("%q %q: payload %q sig %q, want %q %q", c.query, c.body, p.payload, p.signature, c.payload, c.sig)
		}
		if len(p.vals) != len(c.vals) {
			t.Errorf("%q %q: vals %v, want %v", c.query, c.body, p.vals, c.vals)
		}
		for k, v := range c.vals {
			if p.vals[k] != v {
				t.Errorf("%q %q: %s = %q, want %q", c.query, c.body, k, p.vals[k], v)
			}
		}
	}
}
