package main

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// demoUsers are the tracker's accounts: DEMO ONLY. The passwords are in
// the README ("alice-demo-password", "bob-demo-password"); only their
// Argon2id hashes (OWASP's minimum: 19 MiB, 2 passes, 1 lane) are kept
// here, in the PHC string format. None is a real credential.
var demoUsers = map[string]string{
	"alice": "$argon2id$v=19$m=19456,t=2,p=1$PJrL2iocvBrLdGPB8IPO3Q$QmY2RBZr0FY9k3cOPiyLSXlxkrZHF+sD5K89tLF4o3g",
	"bob":   "$argon2id$v=19$m=19456,t=2,p=1$fWpg7oWeMO1QpHlRRxe5/w$DA0mNJUM9H77UMRBWEbMPhoGuAVaWHOmMf6hHy6kD9E",
}

// dummyHash is checked for a name that has no account, so that an
// unknown name costs as much as a wrong password and the time taken does
// not tell which names exist. Its password is random and unknown.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXktc2FsdC0xNmJ5dA$7W0kHCSVqj/fTqoTZ8hLVvH7aZ0PdPN1ZpRg6Zmvxts"

// argonHash is a parsed Argon2id hash.
type argonHash struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2id parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" (unpadded
// standard base64).
func parseArgon2id(s string) (argonHash, error) {
	var h argonHash
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v=19" {
		return h, errors.New("not an Argon2id v19 hash")
	}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return h, fmt.Errorf("argon2id parameter %q", kv)
		}
		switch k {
		case "m":
			h.memory = uint32(n)
		case "t":
			h.time = uint32(n)
		case "p":
			if n > 255 {
				return h, fmt.Errorf("argon2id parameter %q", kv)
			}
			h.threads = uint8(n)
		default:
			return h, fmt.Errorf("argon2id parameter %q", kv)
		}
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(f[4]); err != nil {
		return h, fmt.Errorf("argon2id salt: %w", err)
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(f[5]); err != nil {
		return h, fmt.Errorf("argon2id key: %w", err)
	}
	if h.memory == 0 || h.time == 0 || h.threads == 0 || len(h.salt) < 8 || len(h.key) < 16 {
		return h, errors.New("argon2id hash incomplete")
	}
	return h, nil
}

// matches reports whether password hashes to h, comparing in constant
// time.
func (h argonHash) matches(password string) bool {
	k := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(k, h.key) == 1
}

// accounts checks names and passwords against a fixed list of users.
type accounts struct {
	users map[string]argonHash
	dummy argonHash
	// slots bounds the password checks running at once: each takes 19 MiB
	// and a core for tens of milliseconds, and a flood of sign-ins must
	// not take the server's memory.
	slots chan struct{}
}

// newAccounts parses the hashes of users (name → PHC string).
func newAccounts(users map[string]string) (*accounts, error) {
	a := &accounts{users: make(map[string]argonHash, len(users)), slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	for name, s := range users {
		h, err := parseArgon2id(s)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w", name, err)
		}
		a.users[name] = h
	}
	var err error
	if a.dummy, err = parseArgon2id(dummyHash); err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	return a, nil
}

// check returns the user name and password sign in as, and whether they
// do. Names are matched without regard to case and surrounding space. It
// returns an error only when ctx ends while it waits for a free slot.
func (a *accounts) check(ctx context.Context, name, password string) (string, bool, error) {
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	defer func() { <-a.slots }()
	name = strings.ToLower(strings.TrimSpace(name))
	h, known := a.users[name]
	if !known {
		h = a.dummy
	}
	ok := h.matches(password) // always computed: the time does not tell
	return name, ok && known, nil
}
