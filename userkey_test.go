package session_test

import (
	"errors"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// The Manager refuses a store whose user index reads sign-ins under another
// key than the one the Manager writes them under.
func TestUserKeyMustAgree(t *testing.T) {
	tests := []struct {
		manager, store string
		ok             bool
	}{
		{"", "", true},
		{"user", "user", true},
		{"", session.DefaultUserKey, true},
		{"user", "", false},
		{"", "user", false},
	}
	for _, tc := range tests {
		st := memstore.New(memstore.Options{UserKey: tc.store})
		t.Cleanup(func() { st.Close() })
		_, err := session.New(session.Options{Secrets: []string{testSecret}, Store: st, UserKey: tc.manager})
		if tc.ok && err != nil {
			t.Errorf("Manager %q, store %q: %v", tc.manager, tc.store, err)
		}
		if !tc.ok && !errors.Is(err, session.ErrInvalidOption) {
			t.Errorf("Manager %q, store %q: %v, want ErrInvalidOption", tc.manager, tc.store, err)
		}
	}
}
