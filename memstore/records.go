package memstore

// putRecordLocked stores a copy of rec as the record of entry e: its
// cookie object, when it has one of the usual shape, as a reference to
// an interned template, and the rest (the cookie's expires value first)
// in a block. The entry's previous record must have been dropped.
func (s *Store) putRecordLocked(e *entry, rec []byte) {
	var tmpl uint32
	var expLen int
	head, tail := rec, []byte(nil) // the bytes stored: head, then tail
	if vs, ve, end, ok := splitCookie(rec); ok {
		tmpl, expLen = s.tmpls.intern(rec, vs, ve, end), ve-vs
		head, tail = rec[vs:ve], rec[end:]
	}
	ref, b := s.recs.alloc(s.mem, len(head)+len(tail))
	copy(b[copy(b, head):], tail)
	e.rec, e.n, e.tmpl, e.expLen = ref, uint32(len(b)), tmpl, uint16(expLen)
}

// dropRecordLocked releases the record of entry e.
func (s *Store) dropRecordLocked(e *entry) {
	s.recs.release(e.rec)
	s.tmpls.release(e.tmpl)
	e.rec, e.n, e.tmpl, e.expLen = noBlock, 0, 0, 0
}

// recordLocked returns a new copy of the record of entry e: the caller
// may keep it, the store never changes it.
func (s *Store) recordLocked(e *entry) []byte {
	n := int(e.n) + s.tmpls.size(e.tmpl)
	if n == 0 {
		return []byte{}
	}
	return s.appendRecordLocked(make([]byte, 0, n), e)
}

// appendRecordLocked appends the record of entry e to dst.
func (s *Store) appendRecordLocked(dst []byte, e *entry) []byte {
	return s.tmpls.build(dst, e.tmpl, s.recs.bytes(e.rec, int(e.n)), int(e.expLen))
}
