// Command release checks that this repository's modules can be published
// and used, the way a release would publish them, and keeps their go.mod
// files in the shape a release needs. Run it from anywhere in the
// repository:
//
//	go run ./internal/release check          # what make test runs
//	go run ./internal/release work           # write go.work
//	go run ./internal/release tidy           # go mod tidy every module
//	go run ./internal/release bump v0.2.0    # require siblings at v0.2.0
//	go run ./internal/release publish DIR    # only write the proxy
//
// check reads every go.mod of the working tree (tracked files and new ones
// git does not ignore: in a clean clone, the committed tree), checks the
// rules of the module graph (no replace, siblings required at the release
// version, no placeholder pseudo-version, no cycle, go.work uses and
// replaces every module), publishes every module into a file-based module proxy (zips
// made with golang.org/x/mod/zip from the tree, each go.mod as it is),
// then, outside the repository with GOWORK=off, builds the consumers in
// consumers.go: each must resolve its whole graph (go list -m all) and
// build, and may hold only the heavy modules it asks for. It prints each
// consumer's module count and exits 1 on the first rule or consumer that
// fails.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

const usage = `usage: release check | work | tidy | bump VERSION | publish DIR`

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", usage)
	}
	r, err := openRepo()
	if err != nil {
		return err
	}
	switch {
	case args[0] == "check" && len(args) == 1:
		return check(r)
	case args[0] == "work" && len(args) == 1:
		return writeWork(r)
	case args[0] == "tidy" && len(args) == 1:
		return tidy(r)
	case args[0] == "bump" && len(args) == 2:
		return bump(r, args[1])
	case args[0] == "publish" && len(args) == 2:
		_, err := publish(r, args[1])
		return err
	}
	return fmt.Errorf("%s", usage)
}
