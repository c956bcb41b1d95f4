package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// snapshot commits the working tree (tracked files and new ones git does
// not ignore) to a commit object outside every branch, through an index
// of its own, and returns the commit's hash. In a clean clone it holds
// exactly the committed tree.
func snapshot(r *repo) (string, error) {
	tmp, err := os.MkdirTemp("", "release-index-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if _, err := gitEnv(r.Root, env, "add", "--all", "."); err != nil {
		return "", err
	}
	tree, err := gitEnv(r.Root, env, "write-tree")
	if err != nil {
		return "", err
	}
	commit, err := gitEnv(r.Root, append(env,
		"GIT_AUTHOR_NAME=release", "GIT_AUTHOR_EMAIL=release@localhost",
		"GIT_COMMITTER_NAME=release", "GIT_COMMITTER_EMAIL=release@localhost"),
		"commit-tree", strings.TrimSpace(tree), "-m", "release check snapshot")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(commit), nil
}

// publish writes every module of the working tree, at the release
// version, into dir laid out as a GOPROXY (file://dir serves it): for each
// module, @v/list, @v/VERSION.info, .mod (its go.mod as it is in the tree)
// and .zip (made by golang.org/x/mod/zip from the tree, which leaves out
// nested modules, as the module proxy does). It returns the snapshot's
// commit.
func publish(r *repo, dir string) (string, error) {
	commit, err := snapshot(r)
	if err != nil {
		return "", err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{r.Version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return "", err
	}
	for _, m := range r.Modules {
		escaped, err := module.EscapePath(m.Path)
		if err != nil {
			return "", err
		}
		v := filepath.Join(dir, escaped, "@v")
		if err := os.MkdirAll(v, 0o755); err != nil {
			return "", err
		}
		gomod, err := git(r.Root, "show", commit+":"+filepath.ToSlash(filepath.Join(m.Dir, "go.mod")))
		if err != nil {
			return "", err
		}
		subdir := m.Dir
		if subdir == "." {
			subdir = ""
		}
		z, err := os.Create(filepath.Join(v, r.Version+".zip"))
		if err != nil {
			return "", err
		}
		err = zip.CreateFromVCS(z, module.Version{Path: m.Path, Version: r.Version}, r.Root, commit, subdir)
		if cerr := z.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("zipping %s: %w", m.Path, err)
		}
		for name, data := range map[string][]byte{
			"list":              []byte(r.Version + "\n"),
			r.Version + ".info": info,
			r.Version + ".mod":  []byte(gomod),
		} {
			if err := os.WriteFile(filepath.Join(v, name), data, 0o644); err != nil {
				return "", err
			}
		}
	}
	return commit, nil
}
