// A command-line warm-up with no ctx anywhere may sleep.
package c

import "time"

func WarmUp(ping func() error) error {
	var err error
	for i := 0; i < 3; i++ {
		if err = ping(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
