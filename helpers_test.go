package session_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

const testSecret = "a-test-secret-that-is-32-bytes-long!"

// newManager returns a Manager on a fresh memory store, with opts applied
// over the test defaults, and a buffer holding its log. The store reads
// sign-ins under opts.UserKey.
func newManager(t *testing.T, opts session.Options) (*session.Manager, *memstore.Store, *syncBuffer) {
	t.Helper()
	store := memstore.New(memstore.Options{UserKey: opts.UserKey})
	t.Cleanup(func() { store.Close() })
	if opts.Store == nil {
		opts.Store = store
	}
	if opts.Secrets == nil {
		opts.Secrets = []string{testSecret}
	}
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	m, err := session.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return m, store, logs
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// serve runs one request through h with the given Cookie header.
func serve(h http.Handler, method, target, cookie string) *http.Response {
	r := httptest.NewRequest(method, target, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// sessionCookie returns the "name=value" pair of the response's session
// cookie, or "" when it set none.
func sessionCookie(t *testing.T, res *http.Response) string {
	t.Helper()
	var found []string
	for _, sc := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "connect.sid=") {
			found = append(found, sc)
		}
	}
	switch len(found) {
	case 0:
		return ""
	case 1:
		pair, _, _ := strings.Cut(found[0], ";")
		return pair
	}
	t.Fatalf("%d session Set-Cookie headers: %q", len(found), found)
	return ""
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// counter is the visit tracker's handler: increment "visits", print it.
var counter = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n, _ := session.Get[int](s, "visits")
	if err := s.Set("visits", n+1); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	io.WriteString(w, strconv.Itoa(n+1))
})

// reader reads the session without changing it.
var reader = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, _ := session.Get[int](session.From(r), "visits")
	io.WriteString(w, strconv.Itoa(n))
})

// faultyStore is a real memory store behind a switch that makes every call
// fail, standing in for a store server that is down.
type faultyStore struct {
	*memstore.Store
	mu   sync.Mutex
	down bool
	sets []time.Time // expiry of every Set, in order
}

var errDown = errors.New("connection refused")

func (f *faultyStore) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *faultyStore) isDown() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

func (f *faultyStore) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	if f.isDown() {
		return nil, time.Time{}, errDown
	}
	return f.Store.Get(ctx, id)
}

func (f *faultyStore) Set(ctx context.Context, id string, b []byte, exp time.Time) error {
	if f.isDown() {
		return errDown
	}
	f.mu.Lock()
	f.sets = append(f.sets, exp)
	f.mu.Unlock()
	return f.Store.Set(ctx, id, b, exp)
}

func (f *faultyStore) Destroy(ctx context.Context, id string) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Destroy(ctx, id)
}

// newSealedManager returns a SealedManager with a fresh random key.
func newSealedManager(t *testing.T) *session.SealedManager {
	t.Helper()
	return newSealedManagerWith(t, session.SealedOptions{Sealer: newGCMSealer(t)})
}

// newSealedManagerWith returns a SealedManager built from o.
func newSealedManagerWith(t *testing.T, o session.SealedOptions) *session.SealedManager {
	t.Helper()
	sm, err := session.NewSealed(o)
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// gcmSealer is a Sealer from the standard library (AES-256-GCM, URL-safe
// base64), so that this module's tests need no module of package sealed's
// (x/crypto): the SealedManager sees a real AEAD, with keys[0] sealing and
// every key opening, as sealed.Box does.
type gcmSealer struct{ aeads []cipher.AEAD }

func newGCMSealer(t *testing.T) *gcmSealer {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &gcmSealer{aeads: []cipher.AEAD{aead}}
}

func (g *gcmSealer) Seal(plaintext []byte) (string, error) {
	nonce := make([]byte, g.aeads[0].NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(g.aeads[0].Seal(nonce, nonce, plaintext, nil)), nil
}

func (g *gcmSealer) Open(value string) ([]byte, bool, error) {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) < g.aeads[0].NonceSize() {
		return nil, false, fmt.Errorf("%w: not a sealed value", session.ErrInvalidCookie)
	}
	n := g.aeads[0].NonceSize()
	for i, a := range g.aeads {
		if p, err := a.Open(nil, b[:n], b[n:], nil); err == nil {
			return p, i > 0, nil
		}
	}
	return nil, false, fmt.Errorf("%w: %w: no key opens it", session.ErrInvalidCookie, session.ErrForged)
}

func newMemStore(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New(memstore.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
