package memstore

// The expiry heap, Store.byExp, holds the index of every entry, ordered
// by expiry, earliest first; each entry's pos is its place in it.

// expiresAt returns the expiry of the entry at heap position p.
func (s *Store) expiresAt(p int) int64 { return s.ents.at(s.byExp[p]).expires }

// heapPush adds entry i.
func (s *Store) heapPush(i uint32) {
	s.byExp = append(s.byExp, i)
	s.ents.at(i).pos = uint32(len(s.byExp) - 1)
	s.heapUp(len(s.byExp) - 1)
}

// heapRemove removes the entry at position p.
func (s *Store) heapRemove(p int) {
	last := len(s.byExp) - 1
	if p != last {
		s.heapSwap(p, last)
	}
	s.byExp = s.byExp[:last]
	if p != last {
		s.heapFix(p)
	}
}

// heapFix restores the order after the expiry at position p changed.
func (s *Store) heapFix(p int) {
	if !s.heapDown(p) {
		s.heapUp(p)
	}
}

func (s *Store) heapSwap(a, b int) {
	h := s.byExp
	h[a], h[b] = h[b], h[a]
	s.ents.at(h[a]).pos = uint32(a)
	s.ents.at(h[b]).pos = uint32(b)
}

func (s *Store) heapUp(p int) {
	for p > 0 {
		parent := (p - 1) / 2
		if s.expiresAt(parent) <= s.expiresAt(p) {
			return
		}
		s.heapSwap(parent, p)
		p = parent
	}
}

// heapDown moves the entry at p down, reporting whether it moved.
func (s *Store) heapDown(p int) bool {
	start, n := p, len(s.byExp)
	for {
		c := 2*p + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && s.expiresAt(r) < s.expiresAt(c) {
			c = r
		}
		if s.expiresAt(p) <= s.expiresAt(c) {
			break
		}
		s.heapSwap(p, c)
		p = c
	}
	return p > start
}
