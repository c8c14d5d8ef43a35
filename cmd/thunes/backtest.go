package main

import "context"

func runBacktest(ctx context.Context, e *env, args []string) error {
	return usagef("backtest: not implemented yet")
}
