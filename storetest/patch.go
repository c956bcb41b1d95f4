package storetest

import (
	"encoding/json"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/patchhook"
)

// NewPatch returns a patch, as a store's Patch receives it, that sets set,
// deletes del and adds add to integer values, with the default cookie
// attributes and no Base. The Manager builds its own patches; this one is
// for a store's tests.
func NewPatch(set map[string]json.RawMessage, del []string, add map[string]int64) *session.Patch {
	return NewPatchOn(nil, set, del, add)
}

// NewPatchOn is NewPatch with base as the patch's Base, the record its
// session was loaded from (a compare-and-set hint).
func NewPatchOn(base []byte, set map[string]json.RawMessage, del []string, add map[string]int64) *session.Patch {
	newPatch := patchhook.New.(func(map[string]json.RawMessage, []string, map[string]int64, []byte) *session.Patch)
	return newPatch(set, del, add, base)
}
