package binance

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnsafeKey: the API key may withdraw funds. thunes refuses to trade with
// such a key: a leaked trading key then costs at most bad trades, never the
// balance.
var ErrUnsafeKey = errors.New("binance: API key has withdrawals enabled; create a key without withdrawal rights")

// KeyCheck is the result of CheckKey.
type KeyCheck struct {
	Restrictions *APIRestrictions
	// Warnings are weaker problems worth fixing: no IP restriction, transfer
	// rights, no spot trading right.
	Warnings []string
}

// CheckKey reads the key's rights (GET /sapi/v1/account/apiRestrictions) and
// returns an error wrapping ErrUnsafeKey if withdrawals are enabled. Other
// risky settings become warnings, also sent as a KEY_PERMISSIONS alert.
func (c *Client) CheckKey(ctx context.Context) (*KeyCheck, error) {
	r, err := c.APIRestrictions(ctx)
	if err != nil {
		return nil, fmt.Errorf("check API key: %w", err)
	}
	return c.judgeKey(r)
}

func (c *Client) judgeKey(r *APIRestrictions) (*KeyCheck, error) {
	kc := &KeyCheck{Restrictions: r}
	if r.EnableWithdrawals {
		c.alert(AlertKeyPermissions, ErrUnsafeKey.Error())
		return kc, ErrUnsafeKey
	}
	if !r.IPRestrict {
		kc.Warnings = append(kc.Warnings, "the key is not restricted to trusted IP addresses")
	}
	if r.EnableInternalTransfer || r.PermitsUniversalTransfer {
		kc.Warnings = append(kc.Warnings, "the key may transfer funds between accounts")
	}
	if !r.EnableSpotAndMarginTrading {
		kc.Warnings = append(kc.Warnings, "the key cannot trade spot: orders will be refused")
	}
	for _, w := range kc.Warnings {
		c.alert(AlertKeyPermissions, w)
	}
	return kc, nil
}
