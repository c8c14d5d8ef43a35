package binance

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	doc := string(vectorJSON(t, "rest_responses", "wallet", "GET /sapi/v1/account/apiRestrictions"))
	cases := []struct {
		name    string
		body    string
		wantErr error
		warn    []string
	}{
		{"doc sample", doc, nil, []string{"not restricted to trusted IP", "transfer funds", "cannot trade spot"}},
		{"withdrawals", strings.Replace(doc, `"enableWithdrawals":false`, `"enableWithdrawals":true`, 1), ErrUnsafeKey, nil},
		{"clean", `{"ipRestrict":true,"enableReading":true,"enableWithdrawals":false,"enableSpotAndMarginTrading":true}`, nil, nil},
		{"flag missing", `{"ipRestrict":true,"enableReading":true}`, ErrBadResponse, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.handle("GET /sapi/v1/account/apiRestrictions", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, c.body) })
			var alerts []Alert
			cl := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = func(a Alert) { alerts = append(alerts, a) } })
			kc, err := cl.CheckKey(testCtx(t))
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if len(kc.Warnings) != len(c.warn) || len(alerts) != len(c.warn) {
				t.Fatalf("warnings %q alerts %d, want %q", kc.Warnings, len(alerts), c.warn)
			}
			for i, w := range c.warn {
				if !strings.Contains(kc.Warnings[i], w) {
					t.Errorf("warning %q, want %q", kc.Warnings[i], w)
				}
			}
		})
	}
}
