package main

import "context"

func runData(ctx context.Context, e *env, args []string) error {
	return usagef("data: not implemented yet")
}
