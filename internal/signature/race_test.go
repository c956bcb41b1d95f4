//go:build race

package signature

// raceEnabled: the race detector makes sync.Pool drop items at random.
const raceEnabled = true
