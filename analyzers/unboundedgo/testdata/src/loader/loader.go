// Package loader reads training data: shard workers, line scanners and
// record readers that start a goroutine per input, and bounded versions.
package loader

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"os"
	"runtime"
	"sync"
)

type Shard struct{ Path string }

type Example struct{ Features []float32 }

func load(s Shard) []Example           { return nil }
func parse(line string) Example        { return Example{} }
func parseRecord(rec []string) Example { return Example{} }
func (q *Queue) Pop() (Shard, bool)    { return Shard{}, false }

type Queue struct{ shards []Shard }

// LoadAll starts a goroutine per shard of the dataset: 4,096 shards, 4,096
// goroutines reading files at once.
func LoadAll(shards []Shard, out chan<- []Example) {
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go func() { // want `goroutine started for every element of shards`
			defer wg.Done()
			out <- load(s)
		}()
	}
	wg.Wait()
}

// Lines starts a goroutine per line of the file.
func Lines(f *os.File, out chan<- Example) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		go func() { out <- parse(line) }() // want `goroutine started for every record read by sc.Scan\(\)`
	}
}

// Records starts a goroutine per CSV record.
func Records(r *csv.Reader, out chan<- Example) error {
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		go func() { out <- parseRecord(rec) }() // want `goroutine started for every record read by r.Read\(\)`
	}
}

// Files starts a goroutine per path given on the command line.
func Files(paths []string, out chan<- []Example) {
	for _, p := range paths[1:] {
		go func() { out <- load(Shard{Path: p}) }() // want `goroutine started for every element of paths\[1:\]`
	}
}

// --- silent ---

// Workers starts one reader per CPU, fed by a channel of shards.
func Workers(ctx context.Context, shards <-chan Shard, out chan<- []Example) {
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range shards {
				select {
				case out <- load(s):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Pinned starts a reader per slot of a fixed array of devices.
func Pinned(devices *[4]string, out chan<- []Example) {
	for _, d := range devices {
		go func() { out <- load(Shard{Path: d}) }()
	}
}

// Splits loads the three splits.
func Splits(out chan<- []Example) {
	splits := []Shard{{Path: "train"}, {Path: "valid"}, {Path: "test"}}
	for _, s := range splits {
		go func() { out <- load(s) }()
	}
	for _, name := range "abc" {
		go func() { out <- load(Shard{Path: string(name)}) }()
	}
}

// Popper pulls from a queue through its own method: the analyzer does not
// know Pop reads input, and stays silent.
func Popper(q *Queue, out chan<- []Example) {
	for {
		s, ok := q.Pop()
		if !ok {
			return
		}
		go func() { out <- load(s) }()
	}
}

// Sequential reads the file line by line without goroutines.
func Sequential(f *os.File) []Example {
	var out []Example
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, parse(sc.Text()))
	}
	return out
}

// Once starts one goroutine outside any loop.
func Once(shards []Shard, out chan<- []Example) {
	go func() {
		for _, s := range shards {
			out <- load(s)
		}
	}()
}
