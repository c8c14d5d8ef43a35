// Command thunes researches, simulates and runs automated crypto trading on
// Binance with safety as its first feature.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "thunes:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode maps an error from run to the process exit status: 2 for usage
// errors, 1 for everything else.
func exitCode(err error) int {
	if isUsage(err) {
		return 2
	}
	return 1
}
