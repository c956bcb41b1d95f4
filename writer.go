package session

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter commits the session just before the headers go out: on
// the first WriteHeader (of a final status), Write, ReadFrom, Flush or
// Hijack. The body is never buffered, so streaming keeps working, and
// Unwrap lets http.ResponseController reach the writer beneath.
type responseWriter struct {
	http.ResponseWriter
	s         *Session
	r         *http.Request
	committed bool
	failed    bool // the commit failed and the error handler answered
}

// commit commits the session once. It reports false when the commit failed:
// the error handler has answered and the handler's output is discarded.
func (w *responseWriter) commit() bool {
	if w.committed {
		return !w.failed
	}
	w.committed = true
	if err := w.s.commit(w.ResponseWriter.Header()); err != nil {
		w.failed = true
		w.s.k.options().fail(w.ResponseWriter, w.r, "save session", err)
		return false
	}
	return true
}

// finish runs after the handler: commit if it wrote nothing, else save
// what it changed since.
func (w *responseWriter) finish() {
	if !w.committed {
		w.commit()
		return
	}
	if !w.failed {
		w.s.late()
	}
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: headers are not final
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.commit() {
		return 0, errCommitFailed
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy's sendfile path (http.ServeContent, static files).
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.commit() {
		return 0, errCommitFailed
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush implements http.Flusher for handlers that assert it directly.
func (w *responseWriter) Flush() {
	if w.commit() {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Hijack implements http.Hijacker. The session is committed first; a
// cookie cannot travel on a hijacked connection unless the handler writes
// the headers itself.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, errCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
