package session

import (
	"errors"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	// Records as express-session 1.19.0 writes them (node-wire-formats.md §3.1).
	tests := []string{
		`{"cookie":{"originalMaxAge":60000,"expires":"2026-11-23T18:23:02.790Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`,
		`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"visits":1}`,
		`{"cookie":{"originalMaxAge":1000,"partitioned":true,"priority":"high","expires":"2026-01-02T03:04:05.006Z","secure":true,"httpOnly":false,"domain":"example.com","path":"/app","sameSite":"strict"},"a":{"b":[1,2]},"z":"x"}`,
	}
	for _, in := range tests {
		rec, err := decodeRecord([]byte(in))
		if err != nil {
			t.Fatalf("decodeRecord(%s): %v", in, err)
		}
		got := string(appendRecord(nil, &rec.cookie, rec.keys, rec.vals, rec.created))
		if got != in {
			t.Errorf("round trip:\n got %s\nwant %s", got, in)
		}
	}
}

func TestRecordVariants(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want cookieData
		keys int
	}{
		{"old nulls", `{"cookie":{"originalMaxAge":null,"expires":null,"secure":null,"httpOnly":true,"domain":null,"path":"/","sameSite":null},"v":1}`,
			cookieData{httpOnly: true, path: "/", sameSite: SameSiteOmit}, 1},
		{"sameSite true", `{"cookie":{"path":"/","sameSite":true}}`,
			cookieData{httpOnly: true, path: "/", sameSite: SameSiteStrict}, 0},
		{"secure auto string", `{"cookie":{"path":"/","secure":"auto"}}`,
			cookieData{httpOnly: true, path: "/", secureSet: true, secure: true, sameSite: SameSiteOmit}, 0},
		{"unknown cookie keys", `{"cookie":{"path":"/x","foo":1},"k":null}`,
			cookieData{httpOnly: true, path: "/x", sameSite: SameSiteOmit}, 1},
		{"no cookie", `{"k":1}`, cookieData{httpOnly: true, path: "/"}, 1},
		{"created hidden", `{"cookie":null,"__created":1700000000000}`, cookieData{httpOnly: true, path: "/"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := decodeRecord([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if rec.cookie != tt.want {
				t.Errorf("cookie = %+v, want %+v", rec.cookie, tt.want)
			}
			if len(rec.keys) != tt.keys {
				t.Errorf("keys = %q, want %d keys", rec.keys, tt.keys)
			}
		})
	}
}

func TestRecordCorrupt(t *testing.T) {
	for _, in := range []string{``, `null`, `[]`, `"x"`, `{"cookie":5}`, `{"cookie":{"expires":"yesterday"}}`, `{`} {
		if _, err := decodeRecord([]byte(in)); !errors.Is(err, ErrCorruptRecord) {
			t.Errorf("decodeRecord(%q) error = %v, want ErrCorruptRecord", in, err)
		}
	}
}

func TestRecordExpiresFormat(t *testing.T) {
	c := cookieData{hasMaxAge: true, maxAge: time.Minute, httpOnly: true, path: "/",
		expires: time.Date(2026, 11, 23, 18, 23, 2, 790_400_000, time.FixedZone("x", 3600))}
	got := string(c.appendJSON(nil))
	want := `{"originalMaxAge":60000,"expires":"2026-11-23T17:23:02.790Z","httpOnly":true,"path":"/","sameSite":"lax"}`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
