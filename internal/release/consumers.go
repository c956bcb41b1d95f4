package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// consumer is a module outside the repository that uses some of its
// modules, as a user's would.
type consumer struct {
	name    string
	modules []string // module paths it requires, relative to rootPath
	imports []string // packages it imports, relative to rootPath
	// only, when set, is the whole graph it may have besides itself.
	only []string
	// allow lists the heavy modules (see heavy) its graph may hold.
	allow []string
	// install, when set, is a command installed with go install
	// PATH@VERSION instead of a module built.
	install string
}

// heavy are the module path prefixes of drivers, telemetry, frameworks and
// test tools: a consumer's graph holds one only when it asks for it.
var heavy = []string{
	"github.com/jackc/", "github.com/redis/", "modernc.org/",
	"go.opentelemetry.io/", "github.com/prometheus/",
	"github.com/gin-gonic/", "github.com/labstack/", "github.com/go-chi/", "github.com/gorilla/",
	"github.com/chromedp/", "github.com/alexedwards/",
	// This repository's own test and tool modules: no user needs them.
	rootPath + "/bench", rootPath + "/browsertest", rootPath + "/faulttest",
	rootPath + "/flowtest", rootPath + "/internal/",
}

var consumers = []consumer{
	{name: "session+memstore", modules: []string{""}, imports: []string{"", "memstore"}, only: []string{""}},
	{name: "sealed", modules: []string{"sealed"}, imports: []string{"sealed"}},
	{name: "sqlitestore", modules: []string{"sqlitestore"}, imports: []string{"sqlitestore"}, allow: []string{"modernc.org/"}},
	{name: "redisstore", modules: []string{"redisstore"}, imports: []string{"redisstore"}, allow: []string{"github.com/redis/"}},
	{name: "pgstore", modules: []string{"pgstore"}, imports: []string{"pgstore"}, allow: []string{"github.com/jackc/"}},
	{name: "otelsession", modules: []string{"otelsession"}, imports: []string{"otelsession"}, allow: []string{"go.opentelemetry.io/"}},
	{name: "adapters/gin", modules: []string{"adapters/gin"}, imports: []string{"adapters/gin"}, allow: []string{"github.com/gin-gonic/"}},
	{name: "adapters/echo", modules: []string{"adapters/echo"}, imports: []string{"adapters/echo"}, allow: []string{"github.com/labstack/"}},
	{name: "adapters/routers", modules: []string{"adapters/routers"}, imports: []string{"adapters/routers"}, allow: []string{"github.com/go-chi/", "github.com/gorilla/"}},
	{name: "go install cmd/visits", install: "cmd/visits", allow: []string{
		"github.com/jackc/", "github.com/redis/", "modernc.org/", "go.opentelemetry.io/", "github.com/prometheus/"}},
	{name: "go install sealed/cmd/sessionkey", install: "sealed/cmd/sessionkey"},
}

func full(rel string) string {
	if rel == "" {
		return rootPath
	}
	return rootPath + "/" + rel
}

// isolated returns the environment of a go command that sees only the
// proxy at proxyDir for this repository's modules, never the working tree
// (GOWORK=off, a module cache of its own), and the machine's module cache,
// then its GOPROXY, for every other module.
//
// The module cache of its own is kept between runs under the user's cache
// directory, so that neither the extracted third-party modules nor the
// packages built from them are made again each time; this repository's
// modules are removed from it first, as each run publishes them anew at
// the same version.
func isolated(proxyDir string) ([]string, error) {
	goenv := func(name string) (string, error) {
		out, err := exec.Command("go", "env", name).Output()
		return strings.TrimSpace(string(out)), err
	}
	orig, err := goenv("GOPROXY")
	if err != nil {
		return nil, err
	}
	cache, err := goenv("GOMODCACHE")
	if err != nil {
		return nil, err
	}
	flags, _ := goenv("GOFLAGS")
	modcache, err := checkCache()
	if err != nil {
		return nil, err
	}
	proxy := "file://" + proxyDir + ",file://" + filepath.Join(cache, "cache", "download")
	if orig != "" {
		proxy += "," + orig
	}
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "GOWORK", "GOPROXY", "GOMODCACHE", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GONOPROXY", "GOFLAGS", "GODEBUG":
		default:
			env = append(env, kv)
		}
	}
	return append(env,
		"GOWORK=off",
		"GOPROXY="+proxy,
		"GOMODCACHE="+modcache,
		"GONOSUMDB="+rootPath,
		"GOFLAGS="+strings.TrimSpace(flags+" -modcacherw"),
		// The go command indexes module-cache directories in GOCACHE as
		// if they never changed; this repository's are rewritten on every
		// run, at the same version, so the index would list stale files.
		"GODEBUG="+strings.TrimPrefix(os.Getenv("GODEBUG")+",goindex=0", ","),
	), nil
}

// checkCache returns the module cache the release check and tidy use,
// with this repository's modules removed from it.
func checkCache() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, "sessionkit-release", "modcache")
	// The root module's own versions sit beside its directory
	// (github.com/sessionkit/session@v0.1.0), the others inside it.
	subs, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(rootPath)+"@*"))
	if err != nil {
		return "", err
	}
	subs = append(subs,
		filepath.Join(dir, filepath.FromSlash(rootPath)),
		filepath.Join(dir, "cache", "download", filepath.FromSlash(rootPath)))
	for _, sub := range subs {
		if err := os.RemoveAll(sub); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// goCmd runs the go command in dir with env and returns its standard
// output, or an error holding what it printed.
func goCmd(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// build makes consumer c in dir, resolves and builds it, and returns the
// modules of its graph (itself left out).
func build(r *repo, c consumer, dir string, env []string) ([]string, error) {
	if c.install != "" {
		bin := filepath.Join(dir, "bin")
		if _, err := goCmd(dir, append(env, "GOBIN="+bin), "install", full(c.install)+"@"+r.Version); err != nil {
			return nil, err
		}
		out, err := goCmd(dir, env, "version", "-m", filepath.Join(bin, filepath.Base(c.install)))
		if err != nil {
			return nil, err
		}
		var mods []string
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 3 && (f[0] == "mod" || f[0] == "dep") {
				mods = append(mods, f[1])
			}
		}
		return mods, nil
	}
	var gomod, main strings.Builder
	fmt.Fprintf(&gomod, "module example.com/consumer\n\ngo 1.26.0\n\nrequire (\n")
	for _, m := range c.modules {
		fmt.Fprintf(&gomod, "\t%s %s\n", full(m), r.Version)
	}
	gomod.WriteString(")\n")
	main.WriteString("// Command consumer uses the modules as a user's program would.\npackage main\n\nimport (\n")
	for _, p := range c.imports {
		fmt.Fprintf(&main, "\t_ %q\n", full(p))
	}
	main.WriteString(")\n\nfunc main() {}\n")
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main.String()), 0o644); err != nil {
		return nil, err
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", os.DevNull, "."}, {"mod", "verify"}} {
		if _, err := goCmd(dir, env, args...); err != nil {
			return nil, err
		}
	}
	out, err := goCmd(dir, env, "list", "-m", "all")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var mods []string
	for _, l := range lines[1:] { // the first is the consumer itself
		mods = append(mods, strings.Fields(l)[0])
	}
	return mods, nil
}

// judge returns why mods, the graph of c, is not the graph c may have.
func judge(c consumer, mods []string) error {
	if c.only != nil {
		var want []string
		for _, m := range c.only {
			want = append(want, full(m))
		}
		if !slices.Equal(slices.Sorted(slices.Values(mods)), slices.Sorted(slices.Values(want))) {
			return fmt.Errorf("graph %v, want exactly %v", mods, want)
		}
	}
	var extra []string
	for _, m := range mods {
		for _, h := range heavy {
			if strings.HasPrefix(m, h) && !slices.ContainsFunc(c.allow, func(a string) bool { return strings.HasPrefix(m, a) }) {
				extra = append(extra, m)
			}
		}
	}
	if extra != nil {
		return fmt.Errorf("graph holds %v, which it does not use", extra)
	}
	return nil
}

// check runs the rules, publishes the tree and builds every consumer.
func check(r *repo) error {
	if err := checkRules(r); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "release-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	proxyDir := filepath.Join(tmp, "proxy")
	commit, err := publish(r, proxyDir)
	if err != nil {
		return err
	}
	fmt.Printf("published %d modules at %s (tree %.12s) to a file proxy\n", len(r.Modules), r.Version, commit)
	env, err := isolated(proxyDir)
	if err != nil {
		return err
	}
	// Consumers build two at a time: each is mostly waiting on the go
	// command's own work, and they share the build cache.
	type result struct {
		mods []string
		err  error
		took time.Duration
	}
	results := make([]result, len(consumers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(2, runtime.NumCPU()))
	for i, c := range consumers {
		dir := filepath.Join(tmp, fmt.Sprintf("consumer%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			mods, err := build(r, c, dir, env)
			if err == nil {
				err = judge(c, mods)
			}
			results[i] = result{mods, err, time.Since(start)}
		})
	}
	wg.Wait()
	var errs []error
	for i, c := range consumers {
		if err := results[i].err; err != nil {
			fmt.Printf("FAIL %-34s %v\n", c.name, err)
			errs = append(errs, fmt.Errorf("consumer %s: %w", c.name, err))
			continue
		}
		// go list -m all counts the consumer too; go version -m does not.
		n := len(results[i].mods)
		if c.install == "" {
			n++
		}
		fmt.Printf("ok   %-34s %3d modules in its graph (%.1fs)\n", c.name, n, results[i].took.Seconds())
	}
	return errors.Join(errs...)
}

// tidy runs go mod tidy in every module, outside the workspace, against
// the tree just published (so a sibling's requirements are the tree's),
// then drops the siblings' lines from each go.sum: their hashes are the
// snapshot's, not a release's, and the workspace does not need them.
func tidy(r *repo) error {
	tmp, err := os.MkdirTemp("", "release-tidy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	proxyDir := filepath.Join(tmp, "proxy")
	if _, err := publish(r, proxyDir); err != nil {
		return err
	}
	env, err := isolated(proxyDir)
	if err != nil {
		return err
	}
	for _, m := range r.Modules {
		dir := filepath.Join(r.Root, m.Dir)
		if _, err := goCmd(dir, env, "mod", "tidy"); err != nil {
			return fmt.Errorf("%s: %w", m.Dir, err)
		}
		sum := filepath.Join(dir, "go.sum")
		data, err := os.ReadFile(sum)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		var kept []string
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 0 && isSibling(f[0]) {
				continue
			}
			kept = append(kept, l)
		}
		if s := strings.Join(kept, ""); strings.TrimSpace(s) == "" {
			err = os.Remove(sum)
		} else {
			err = os.WriteFile(sum, []byte(s), 0o644)
		}
		if err != nil {
			return err
		}
		fmt.Println("tidied", m.Dir)
	}
	return nil
}
