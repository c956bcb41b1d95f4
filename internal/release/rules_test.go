package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// testRepo builds a repo in a temporary directory from go.mod texts keyed
// by directory, with the go.work workFile writes.
func testRepo(t *testing.T, mods map[string]string) *repo {
	t.Helper()
	r := &repo{Root: t.TempDir(), Version: "v0.1.0"}
	for dir, text := range mods {
		mf, err := modfile.Parse(dir+"/go.mod", []byte(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Modules = append(r.Modules, &modinfo{Dir: dir, Path: mf.Module.Mod.Path, File: mf})
	}
	if err := os.WriteFile(filepath.Join(r.Root, "go.work"), workFile(r), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckRules(t *testing.T) {
	const root = "module github.com/sessionkit/session\n\ngo 1.26.0\n"
	tests := []struct {
		name string
		mods map[string]string
		want string // a part of the error; "" for none
	}{
		{"good", map[string]string{
			".":      root,
			"sealed": "module github.com/sessionkit/session/sealed\n\nrequire github.com/sessionkit/session v0.1.0\n",
		}, ""},
		{"placeholder", map[string]string{
			".":      root,
			"sealed": "module github.com/sessionkit/session/sealed\n\nrequire github.com/sessionkit/session v0.0.0-00010101000000-000000000000\n",
		}, "want v0.1.0"},
		{"replace", map[string]string{
			".":      root,
			"sealed": "module github.com/sessionkit/session/sealed\n\nrequire github.com/sessionkit/session v0.1.0\n\nreplace github.com/sessionkit/session => ../\n",
		}, "replace github.com/sessionkit/session"},
		{"wrong path", map[string]string{
			".":     root,
			"store": "module github.com/sessionkit/session/other\n",
		}, "want github.com/sessionkit/session/store"},
		{"unknown sibling", map[string]string{
			".": root + "\nrequire github.com/sessionkit/session/gone v0.1.0\n",
		}, "no module of this repository"},
		{"cycle", map[string]string{
			".":    root + "\nrequire github.com/sessionkit/session/otel v0.1.0\n",
			"otel": "module github.com/sessionkit/session/otel\n\nrequire github.com/sessionkit/session v0.1.0\n",
		}, "cycle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRules(testRepo(t, tc.mods))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("checkRules: %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("checkRules: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestCheckRulesStaleWork(t *testing.T) {
	r := testRepo(t, map[string]string{".": "module github.com/sessionkit/session\n"})
	r.Modules = append(r.Modules, &modinfo{Dir: "sealed", Path: rootPath + "/sealed", File: &modfile.File{}})
	if err := checkRules(r); err == nil || !strings.Contains(err.Error(), "go.work") {
		t.Fatalf("checkRules with a module go.work lacks: %v, want a go.work error", err)
	}
}

func TestJudge(t *testing.T) {
	memstore := consumers[0]
	sqlite := consumer{name: "sqlitestore", allow: []string{"modernc.org/"}}
	tests := []struct {
		name string
		c    consumer
		mods []string
		ok   bool
	}{
		{"core alone", memstore, []string{rootPath}, true},
		{"core with a driver", memstore, []string{rootPath, "github.com/redis/go-redis/v9"}, false},
		{"core with x/crypto", memstore, []string{rootPath, "golang.org/x/crypto"}, false},
		{"store with its driver", sqlite, []string{rootPath, rootPath + "/sqlitestore", "modernc.org/sqlite"}, true},
		{"store with another driver", sqlite, []string{rootPath, "modernc.org/sqlite", "github.com/jackc/pgx/v5"}, false},
		{"store with a test module", sqlite, []string{rootPath, rootPath + "/faulttest"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := judge(tc.c, tc.mods); (err == nil) != tc.ok {
				t.Fatalf("judge(%s, %v) = %v, want ok=%v", tc.c.name, tc.mods, err, tc.ok)
			}
		})
	}
}
