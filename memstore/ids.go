package memstore

import "encoding/base64"

// idLen is the length of a standard session ID decoded: session.NewID
// encodes 24 random bytes as 32 characters of base64url without padding.
const idLen = 24

// idChars is the length of a standard session ID.
const idChars = 32

// b64 maps a base64url character to its 6 bits, and every other byte to
// 0xff.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// stdID decodes a standard session ID: 32 base64url characters, which
// stand for exactly 24 bytes (no bits left over, so each ID has one
// spelling and encodeID gives it back). Any other ID gives false.
func stdID(id string) (k [idLen]byte, ok bool) {
	if len(id) != idChars {
		return k, false
	}
	for i := range idChars / 4 {
		a, b, c, d := b64[id[4*i]], b64[id[4*i+1]], b64[id[4*i+2]], b64[id[4*i+3]]
		if (a|b|c|d)&0xc0 != 0 { // 0xff, or not a 6-bit value
			return k, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		k[3*i], k[3*i+1], k[3*i+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	return k, true
}

// encodeID is the string form of a standard ID.
func encodeID(k *[idLen]byte) string {
	return base64.RawURLEncoding.EncodeToString(k[:])
}

// lookupLocked returns the entry of id.
func (s *Store) lookupLocked(id string) (uint32, bool) {
	if k, ok := stdID(id); ok {
		return s.std.get(&k, &s.ents)
	}
	i, ok := s.other[id]
	return i, ok
}

// addIDLocked files the new entry i under id.
func (s *Store) addIDLocked(id string, i uint32) {
	if k, ok := stdID(id); ok {
		s.ents.at(i).id = k
		s.std.add(i, &s.ents)
		return
	}
	s.ents.at(i).flags |= otherID
	s.other[id] = i
	s.otherIDs[i] = id
}

// dropIDLocked removes the ID of entry i from the index.
func (s *Store) dropIDLocked(i uint32) {
	e := s.ents.at(i)
	if e.flags&otherID == 0 {
		s.std.remove(&e.id, &s.ents)
		return
	}
	delete(s.other, s.otherIDs[i])
	delete(s.otherIDs, i)
}

// idOfLocked returns the ID of entry i.
func (s *Store) idOfLocked(i uint32) string {
	e := s.ents.at(i)
	if e.flags&otherID == 0 {
		return encodeID(&e.id)
	}
	return s.otherIDs[i]
}

// countLocked returns the number of records held.
func (s *Store) countLocked() int { return s.std.n + len(s.other) }
