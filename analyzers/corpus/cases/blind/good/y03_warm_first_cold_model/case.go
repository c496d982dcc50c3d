// Starts warming the first cold model in the background and returns: one goroutine per call.
package c

type Model struct {
	Name string
	Warm bool
}

func warm(m *Model) { m.Warm = true }

func WarmNext(models []Model, done chan<- string) bool {
	for i := range models {
		if !models[i].Warm {
			m := &models[i]
			go func() {
				warm(m)
				done <- m.Name
			}()
			return true
		}
	}
	return false
}
