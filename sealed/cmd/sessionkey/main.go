// Command sessionkey prints a new random 32-byte key for sealed sessions
// in base64, the form SESSION_KEY and @fastify/secure-session's key option
// take. With -raw it writes the 32 bytes themselves, as
// `npx @fastify/secure-session > secret-key` does.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sessionkit/session/sealed"
)

func main() {
	raw := flag.Bool("raw", false, "write the 32 raw bytes instead of base64")
	flag.Parse()
	k, err := sealed.GenerateKey()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sessionkey:", err)
		os.Exit(1)
	}
	if *raw {
		_, err = os.Stdout.Write(k[:])
	} else {
		_, err = fmt.Println(k.String())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sessionkey:", err)
		os.Exit(1)
	}
}
