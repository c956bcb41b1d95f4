package faulttest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

// slowProxy is a TCP proxy on 127.0.0.1 to one upstream address, for
// fault tests. It can delay every chunk it forwards, in either direction
// (SetLatency); stall, accepting and holding connections and bytes
// without forwarding them or dialing upstream (Stall); and let everything
// it held through again (Resume). Its methods are safe for concurrent
// use and may be called while traffic flows.
type slowProxy struct {
	ln     net.Listener
	target string
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup

	mu       sync.Mutex
	latency  time.Duration
	release  chan struct{} // non-nil while stalled; closed by Resume
	conns    map[net.Conn]struct{}
	accepted int // client connections accepted, ever
	closed   bool
}

// newSlowProxy starts a proxy to target (host:port), closed when t ends.
func newSlowProxy(t testing.TB, target string) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("slowProxy: %v", err)
	}
	p := &slowProxy{ln: ln, target: target, done: make(chan struct{}), conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's address, 127.0.0.1:PORT.
func (p *slowProxy) Addr() string { return p.ln.Addr().String() }

// SetLatency delays every chunk read from either side by d before it is
// forwarded (0: none). A request and its reply each pay d.
func (p *slowProxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// Stall holds every connection and byte from now on: new connections are
// accepted but upstream is not dialed, and nothing read is forwarded.
func (p *slowProxy) Stall() {
	p.mu.Lock()
	if p.release == nil {
		p.release = make(chan struct{})
	}
	p.mu.Unlock()
}

// Resume ends a stall: what was held is forwarded, in order.
func (p *slowProxy) Resume() {
	p.mu.Lock()
	if p.release != nil {
		close(p.release)
		p.release = nil
	}
	p.mu.Unlock()
}

// Accepted returns how many client connections the proxy has accepted.
func (p *slowProxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Close stops the proxy, closes every connection and waits for its
// goroutines.
func (p *slowProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

// track records c so that Close closes it; it reports false, leaving c to
// the caller to close, when the proxy is closed.
func (p *slowProxy) track(c net.Conn, client bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	if client {
		p.accepted++
	}
	return true
}

func (p *slowProxy) untrack(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// gate waits for the latency (when delay is set) and then for as long as
// the proxy is stalled. It reports false when the proxy closed meanwhile.
func (p *slowProxy) gate(delay bool) bool {
	if delay {
		p.mu.Lock()
		d := p.latency
		p.mu.Unlock()
		if d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-p.done:
				timer.Stop()
				return false
			}
		}
	}
	for {
		p.mu.Lock()
		release := p.release
		p.mu.Unlock()
		if release == nil {
			return true
		}
		select {
		case <-release:
		case <-p.done:
			return false
		}
	}
}

func (p *slowProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c, true) {
			c.Close()
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// handle forwards one client connection, dialing upstream once the proxy
// is not stalled.
func (p *slowProxy) handle(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	if !p.gate(false) {
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(up, false) {
		up.Close()
		return
	}
	defer p.untrack(up)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(up, client) }()
	go func() { defer wg.Done(); p.pipe(client, up) }()
	wg.Wait()
}

// pipe copies src to dst chunk by chunk through the gate. At the end of
// src it half-closes dst; on any other failure it closes both.
func (p *slowProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.gate(true) {
				return // closed: Close closes the connections
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				dst.Close()
				return
			}
		}
		if errors.Is(err, io.EOF) {
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
		if err != nil {
			src.Close()
			dst.Close()
			return
		}
	}
}

// slowProxyURL returns rawURL with its host:port replaced by addr.
func slowProxyURL(t testing.TB, rawURL, addr string) (proxied, target string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("slowProxyURL: %v", err)
	}
	target = u.Host
	u.Host = addr
	return u.String(), target
}

// TestSlowProxy checks the proxy itself against a real Redis: it forwards,
// delays each direction by the latency, holds while stalled and delivers
// what it held on Resume.
func TestSlowProxy(t *testing.T) {
	_, target := slowProxyURL(t, testenv.Redis(t), "")
	p := newSlowProxy(t, target)
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	ping := func(deadline time.Duration) (string, error) {
		if _, err := io.WriteString(c, "PING\r\n"); err != nil {
			return "", err
		}
		c.SetReadDeadline(time.Now().Add(deadline))
		line, err := r.ReadString('\n')
		return strings.TrimSpace(line), err
	}
	if got, err := ping(10 * time.Second); err != nil || got != "+PONG" {
		t.Fatalf("PING through the proxy: %q, %v", got, err)
	}

	const latency = 100 * time.Millisecond
	p.SetLatency(latency)
	start := time.Now()
	if got, err := ping(10 * time.Second); err != nil || got != "+PONG" {
		t.Fatalf("PING with latency: %q, %v", got, err)
	}
	if rtt := time.Since(start); rtt < 2*latency {
		t.Errorf("round trip with %v latency each way took %v, want at least %v", latency, rtt, 2*latency)
	}
	p.SetLatency(0)

	p.Stall()
	if got, err := ping(300 * time.Millisecond); !isTimeout(err) {
		t.Fatalf("PING while stalled: %q, %v; want a read timeout", got, err)
	}
	// A connection made during the stall is accepted and held too.
	c2, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial while stalled: %v", err)
	}
	defer c2.Close()
	if _, err := io.WriteString(c2, "PING\r\n"); err != nil {
		t.Fatal(err)
	}
	r2 := bufio.NewReader(c2)
	c2.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := r2.ReadString('\n'); !isTimeout(err) {
		t.Fatalf("new connection while stalled: %q, %v; want a read timeout", line, err)
	}

	p.Resume()
	// The held PING is delivered and answered, then the next one.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || strings.TrimSpace(line) != "+PONG" {
		t.Fatalf("held PING after Resume: %q, %v", line, err)
	}
	if got, err := ping(10 * time.Second); err != nil || got != "+PONG" {
		t.Fatalf("PING after Resume: %q, %v", got, err)
	}
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r2.ReadString('\n'); err != nil || strings.TrimSpace(line) != "+PONG" {
		t.Fatalf("held connection after Resume: %q, %v", line, err)
	}
	if n := p.Accepted(); n != 2 {
		t.Errorf("Accepted() = %d, want 2", n)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
