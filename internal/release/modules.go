package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// rootPath is the module path of the repository's root module; every other
// module's path is rootPath + "/" + its directory.
const rootPath = "github.com/sessionkit/session"

// versionFile holds the version the next release gives every module.
const versionFile = "internal/release/VERSION"

// modinfo is one go.mod of the tree.
type modinfo struct {
	Dir  string // relative to the repository, "." for the root
	Path string
	File *modfile.File
}

// repo is the repository's working tree, its modules and release version.
type repo struct {
	Root    string
	Version string
	Modules []*modinfo
}

// openRepo finds the repository around the current directory and reads
// its modules and VERSION.
func openRepo() (*repo, error) {
	out, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	r := &repo{Root: strings.TrimSpace(out)}
	v, err := os.ReadFile(filepath.Join(r.Root, versionFile))
	if err != nil {
		return nil, err
	}
	r.Version = strings.TrimSpace(string(v))
	if !semver.IsValid(r.Version) || semver.Canonical(r.Version) != r.Version {
		return nil, fmt.Errorf("%s: %q is not a canonical semantic version", versionFile, r.Version)
	}
	// Tracked files and new ones git does not ignore.
	files, err := git(r.Root, "ls-files", "--cached", "--others", "--exclude-standard", "--", "go.mod", "*/go.mod")
	if err != nil {
		return nil, err
	}
	for _, f := range strings.Fields(files) {
		if _, err := os.Stat(filepath.Join(r.Root, f)); err != nil {
			continue // deleted, not yet committed
		}
		data, err := os.ReadFile(filepath.Join(r.Root, f))
		if err != nil {
			return nil, err
		}
		mf, err := modfile.Parse(f, data, nil)
		if err != nil {
			return nil, err
		}
		r.Modules = append(r.Modules, &modinfo{Dir: path.Dir(f), Path: mf.Module.Mod.Path, File: mf})
	}
	slices.SortFunc(r.Modules, func(a, b *modinfo) int { return strings.Compare(a.Path, b.Path) })
	return r, nil
}

// isSibling reports whether p is the path of one of this repository's
// modules (or would be).
func isSibling(p string) bool { return p == rootPath || strings.HasPrefix(p, rootPath+"/") }

// checkRules returns every way the go.mod files and go.work break the
// rules a release needs, or nil.
func checkRules(r *repo) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	paths := map[string]*modinfo{}
	for _, m := range r.Modules {
		want := rootPath
		if m.Dir != "." {
			want = rootPath + "/" + m.Dir
		}
		if m.Path != want {
			bad("%s/go.mod: module %s, want %s (the path its directory gives)", m.Dir, m.Path, want)
		}
		paths[m.Path] = m
		for _, rep := range m.File.Replace {
			bad("%s/go.mod: replace %s: a published module's replace is ignored by its users; go.work joins the modules", m.Dir, rep.Old.Path)
		}
		for _, req := range m.File.Require {
			p, v := req.Mod.Path, req.Mod.Version
			if !isSibling(p) {
				continue
			}
			if v != r.Version {
				bad("%s/go.mod: requires %s %s, want %s (%s)", m.Dir, p, v, r.Version, versionFile)
			}
		}
	}
	for _, m := range r.Modules {
		for _, req := range m.File.Require {
			if isSibling(req.Mod.Path) && paths[req.Mod.Path] == nil {
				bad("%s/go.mod: requires %s, which is no module of this repository", m.Dir, req.Mod.Path)
			}
		}
	}
	if cycle := findCycle(r, paths); cycle != nil {
		bad("the modules require each other in a cycle: %s", strings.Join(cycle, " -> "))
	}
	errs = append(errs, checkWork(r)...)
	return errors.Join(errs...)
}

// findCycle returns a cycle of requirements among the repository's
// modules, or nil.
func findCycle(r *repo, paths map[string]*modinfo) []string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(p string) []string
	visit = func(p string) []string {
		switch state[p] {
		case open:
			i := slices.Index(stack, p)
			return append(slices.Clone(stack[i:]), p)
		case done:
			return nil
		}
		state[p] = open
		stack = append(stack, p)
		for _, req := range paths[p].File.Require {
			if paths[req.Mod.Path] != nil {
				if c := visit(req.Mod.Path); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[p] = done
		return nil
	}
	for _, m := range r.Modules {
		if c := visit(m.Path); c != nil {
			return c
		}
	}
	return nil
}

// workFile returns the go.work that joins the modules for development:
// a use directive for each, and a replace of each at the release version
// by its directory (the go command needs it to load the graph of a module
// that requires an unpublished sibling; a go.work is never published).
func workFile(r *repo) []byte {
	var b strings.Builder
	b.WriteString("// Written by go run ./internal/release work; checked by make test.\n\ngo 1.26.0\n\nuse (\n")
	for _, m := range r.Modules {
		fmt.Fprintf(&b, "\t%s\n", dirPath(m.Dir))
	}
	b.WriteString(")\n\nreplace (\n")
	for _, m := range r.Modules {
		fmt.Fprintf(&b, "\t%s %s => %s\n", m.Path, r.Version, dirPath(m.Dir))
	}
	b.WriteString(")\n")
	return []byte(b.String())
}

func dirPath(dir string) string {
	if dir == "." {
		return "."
	}
	return "./" + dir
}

// checkWork checks that go.work is the one workFile writes.
func checkWork(r *repo) []error {
	data, err := os.ReadFile(filepath.Join(r.Root, "go.work"))
	if err != nil {
		return []error{fmt.Errorf("go.work: %w (a committed go.work joins the modules for development)", err)}
	}
	if !bytes.Equal(data, workFile(r)) {
		return []error{errors.New("go.work does not use and replace every module at the release version: run go run ./internal/release work")}
	}
	return nil
}

// writeWork writes go.work.
func writeWork(r *repo) error {
	return os.WriteFile(filepath.Join(r.Root, "go.work"), workFile(r), 0o644)
}

// bump makes every module require its siblings at version and writes it
// to VERSION.
func bump(r *repo, version string) error {
	if !semver.IsValid(version) || semver.Canonical(version) != version {
		return fmt.Errorf("%q is not a canonical semantic version", version)
	}
	for _, m := range r.Modules {
		changed := false
		for _, req := range m.File.Require {
			if isSibling(req.Mod.Path) && req.Mod.Version != version {
				if err := m.File.AddRequire(req.Mod.Path, version); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			continue
		}
		m.File.Cleanup()
		data, err := m.File.Format()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(r.Root, m.Dir, "go.mod"), data, 0o644); err != nil {
			return err
		}
	}
	r.Version = version
	if err := os.WriteFile(filepath.Join(r.Root, versionFile), []byte(version+"\n"), 0o644); err != nil {
		return err
	}
	return writeWork(r)
}

// git runs git in dir (the current directory when empty) and returns its
// standard output.
func git(dir string, args ...string) (string, error) {
	return gitEnv(dir, nil, args...)
}

func gitEnv(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}
