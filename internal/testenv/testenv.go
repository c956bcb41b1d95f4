// Package testenv provides helpers for tests that run Node.js scripts, such
// as the express-session compatibility harness under testdata/node.
//
// Tests that need Node fail (they never skip) when Node or the npm
// dependencies are missing; run `make deps` to install them.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// runTimeout bounds a single RunNode invocation.
	runTimeout = 120 * time.Second
	// startTimeout bounds how long StartNode waits for the "listening" line.
	startTimeout = 60 * time.Second
	// stopTimeout is how long cleanup waits after SIGTERM before killing.
	stopTimeout = 5 * time.Second
)

// RepoRoot returns the repository's root: the directory holding go.work,
// found by walking up from the current working directory, or, outside a
// workspace, the nearest directory holding go.mod. It fails the test if
// there is neither.
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: getwd: %v", err)
	}
	for _, name := range []string{"go.work", "go.mod"} {
		if dir, ok := findUp(wd, name); ok {
			return dir
		}
	}
	t.Fatalf("testenv: no go.work or go.mod found in %s or any parent directory", wd)
	return ""
}

// findUp returns the first of dir and its parents that holds a file name.
func findUp(dir, name string) (string, bool) {
	for {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// NodeDir returns the absolute path of testdata/<name> under the repository
// root. It first checks that node is on PATH and that
// testdata/<name>/node_modules exists, and fails the test (it never skips)
// with a hint to run `make deps` if either is missing.
func NodeDir(t testing.TB, name string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("testenv: node is not on PATH (%v); install Node.js and run `make deps`", err)
	}
	dir := filepath.Join(RepoRoot(t), "testdata", name)
	modules := filepath.Join(dir, "node_modules")
	if fi, err := os.Stat(modules); err != nil || !fi.IsDir() {
		t.Fatalf("testenv: %s is missing; run `make deps` to install the Node dependencies", modules)
	}
	return dir
}

// RunNode runs `node script args...` in dir and returns its standard output
// with trailing newlines removed (other whitespace is kept, so values are
// returned exactly). A non-zero exit, or a run longer than a minute, fails
// the test with the script's standard error in the message.
func RunNode(t testing.TB, dir, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("testenv: node %s %q in %s: %v\nstderr:\n%s", script, args, dir, err, stderr.Bytes())
	}
	return strings.TrimRight(stdout.String(), "\r\n")
}

// StartNode starts `node script` in dir with env (KEY=VALUE entries)
// appended to os.Environ(), and waits up to 20 seconds for the script to
// print the line "listening PORT" on standard output. It returns the base
// URL http://127.0.0.1:PORT.
//
// The child's standard input is a pipe that stays open while the test runs,
// so a script that exits when stdin closes does not outlive a test binary
// that dies. A cleanup registered with t.Cleanup closes stdin, sends
// SIGTERM, and waits for the process, killing it after 5 seconds. If the
// test failed, the child's standard error (and any further standard output)
// is logged at cleanup.
func StartNode(t testing.TB, dir, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command("node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	// Do not let a grandchild holding stdout/stderr open block Wait forever.
	cmd.WaitDelay = stopTimeout

	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testenv: stdin pipe: %v", err)
	}
	stdout := newPortWatcher()
	var stderr LockedBuffer
	cmd.Stdout = stdout
	cmd.Stderr = &stderr

	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting node %s in %s: %v", script, dir, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// stop shuts the child down and returns its exit error. Safe to call
	// more than once.
	var (
		stopOnce sync.Once
		waitErr  error
	)
	stop := func() error {
		stopOnce.Do(func() {
			stdin.Close()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
				cmd.Process.Kill()
			}
			timer := time.NewTimer(stopTimeout)
			defer timer.Stop()
			select {
			case waitErr = <-done:
			case <-timer.C:
				cmd.Process.Kill()
				waitErr = <-done
			}
		})
		return waitErr
	}

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	var port int
	select {
	case port = <-stdout.port:
	case err := <-done:
		t.Fatalf("testenv: node %s exited before listening: %v\nstdout:\n%s\nstderr:\n%s",
			script, err, stdout.String(), stderr.String())
	case <-timer.C:
		err := stop()
		t.Fatalf("testenv: node %s did not print \"listening PORT\" within %v (exit: %v)\nstdout:\n%s\nstderr:\n%s",
			script, startTimeout, err, stdout.String(), stderr.String())
	}

	t.Cleanup(func() {
		err := stop()
		if t.Failed() {
			t.Logf("testenv: node %s exited: %v\nstdout after listening:\n%s\nstderr:\n%s",
				script, err, stdout.String(), stderr.String())
		}
	})
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// portWatcher is the child's stdout. It reports the port of the first
// "listening PORT" line on the port channel and keeps every other line.
type portWatcher struct {
	port chan int

	mu      sync.Mutex
	partial []byte       // incomplete trailing line
	rest    bytes.Buffer // lines other than the listening line
	found   bool
}

func newPortWatcher() *portWatcher {
	return &portWatcher{port: make(chan int, 1)}
}

func (w *portWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i+1])
		w.partial = w.partial[i+1:]
		if !w.found {
			if port, ok := parseListening(line); ok {
				w.found = true
				w.port <- port
				continue
			}
		}
		w.rest.WriteString(line)
	}
	return len(p), nil
}

// String returns the output seen so far, other than the listening line.
func (w *portWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rest.String() + string(w.partial)
}

// parseListening parses a line of the form "listening PORT".
func parseListening(line string) (int, bool) {
	words := strings.Fields(line)
	if len(words) != 2 || words[0] != "listening" {
		return 0, false
	}
	port, err := strconv.Atoi(words[1])
	if err != nil || port <= 0 || port > 65535 {
		return 0, false
	}
	return port, true
}

// LockedBuffer is a bytes.Buffer safe for concurrent Write and String:
// the output of a child process that a test reads while it runs.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
