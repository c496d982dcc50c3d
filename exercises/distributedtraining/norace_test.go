//go:build !race

package distributedtraining

const raceEnabled = false
