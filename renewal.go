package session

import (
	"fmt"
	"strconv"
	"time"
)

// Renewal says when a request that modifies nothing extends a session's
// expiry (lazy sliding expiry): Options.Renew and SealedOptions.Renew.
// The zero Renewal is RenewAfter(0.5).
type Renewal struct {
	mode     renewMode
	fraction float64 // with renewAfter
}

type renewMode uint8

const (
	renewDefault renewMode = iota // RenewAfter(0.5)
	renewAfter
	renewEvery
	renewNever
)

// defaultRenewFraction is the zero Renewal's fraction: renew once half of
// the session's lifetime has passed (ASP.NET Core's sliding expiration).
const defaultRenewFraction = 0.5

// RenewAfter renews a session's expiry once more than fraction of its
// lifetime has passed since the expiry was last set (a write or a
// renewal). fraction must be above 0 and below 1; New and NewSealed
// return an error wrapping ErrInvalidOption otherwise.
func RenewAfter(fraction float64) Renewal { return Renewal{mode: renewAfter, fraction: fraction} }

// RenewEveryRequest renews the expiry on every request, as
// express-session's touch and rolling do.
func RenewEveryRequest() Renewal { return Renewal{mode: renewEvery} }

// RenewNever never renews an unmodified session: it expires one lifetime
// after its last write, as @fastify/secure-session's sessions do.
func RenewNever() Renewal { return Renewal{mode: renewNever} }

// String returns "RenewAfter(0.5)", "RenewEveryRequest" or "RenewNever".
func (r Renewal) String() string {
	switch r.mode {
	case renewEvery:
		return "RenewEveryRequest"
	case renewNever:
		return "RenewNever"
	}
	return "RenewAfter(" + strconv.FormatFloat(r.fractionOrDefault(), 'g', -1, 64) + ")"
}

func (r Renewal) fractionOrDefault() float64 {
	if r.mode == renewDefault {
		return defaultRenewFraction
	}
	return r.fraction
}

// validate returns an error wrapping ErrInvalidOption for a fraction out
// of range.
func (r Renewal) validate() error {
	if r.mode == renewAfter && !(r.fraction > 0 && r.fraction < 1) {
		return fmt.Errorf("%w: RenewAfter(%v): the fraction must be above 0 and below 1", ErrInvalidOption, r.fraction)
	}
	return nil
}

// due reports whether an unmodified session's expiry should be renewed:
// renewing would move it from stored (zero: unknown) to next, and the
// session lives lifetime from a renewal.
func (r Renewal) due(stored, next time.Time, lifetime time.Duration) bool {
	switch {
	case r.mode == renewEvery:
		return true
	case r.mode == renewNever:
		return false
	case stored.IsZero():
		return true
	}
	return next.Sub(stored) > time.Duration(r.fractionOrDefault()*float64(lifetime))
}
