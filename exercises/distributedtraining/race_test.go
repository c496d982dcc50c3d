//go:build race

package distributedtraining

// raceEnabled: the race detector is on; a mutant whose bug is a data race is
// left to it.
const raceEnabled = true
