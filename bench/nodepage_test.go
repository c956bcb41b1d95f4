package bench

import (
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sessionkit/session/cmd/visits/web"
)

// The Node peers send the pages of node/page.js: byte for byte what the
// Go servers render with the tracker's views, GET / for a count and GET
// /me for a user (a name to escape too), so that every peer sends the
// same work. It needs Node (`make test` does); node/page.js needs no
// package.
func TestNodePages(t *testing.T) {
	pages, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	render := func(p web.Page) string {
		w := httptest.NewRecorder()
		if err := pages.Render(w, p); err != nil {
			t.Fatal(err)
		}
		return w.Body.String()
	}
	script, err := filepath.Abs("node/page.js")
	if err != nil {
		t.Fatal(err)
	}
	users := []string{"alice", `bob <b>&"'+` + "\x00"}
	counts := []int{1, 2, 42}
	args, _ := json.Marshal(map[string]any{"script": script, "users": users, "counts": counts})
	out, err := exec.Command("node", "-e", `
const a = JSON.parse(process.argv[1]);
const page = require(a.script);
process.stdout.write(JSON.stringify({
  visits: a.counts.map((n) => page(n)),
  signedIn: a.users.map((u) => page.signedIn(u)),
}));`, string(args)).Output()
	if err != nil {
		t.Fatalf("node (needed by this test) on %s: %v", script, err)
	}
	var got struct{ Visits, SignedIn []string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node's output: %v\n%s", err, out)
	}
	if len(got.Visits) != len(counts) || len(got.SignedIn) != len(users) {
		t.Fatalf("node rendered %d and %d pages, want %d and %d", len(got.Visits), len(got.SignedIn), len(counts), len(users))
	}
	for i, n := range counts {
		if want := render(web.Page{Title: "Visit Tracker", Message: web.VisitsMessage(int64(n))}); got.Visits[i] != want {
			t.Errorf("page.js page(%d) differs from the Go page:\n%s\nwant\n%s", n, got.Visits[i], want)
		}
	}
	for i, u := range users {
		if want := render(web.Page{Title: "Visit Tracker", Message: web.SignedInMessage(u), User: u}); got.SignedIn[i] != want {
			t.Errorf("page.js signedIn(%q) differs from the Go page:\n%s\nwant\n%s", u, got.SignedIn[i], want)
		}
	}
}
