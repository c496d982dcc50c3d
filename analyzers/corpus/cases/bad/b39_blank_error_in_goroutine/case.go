// Writes predictions to the store in a goroutine and discards the error.
// Expect: droppederr
package c

type Store interface {
	Save(key string, v []float32) error
}

func Publish(s Store, key string, v []float32) {
	go func() {
		_ = s.Save(key, v) // BUG
	}()
}
