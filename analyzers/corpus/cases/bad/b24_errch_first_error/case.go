// Each shard upload reports on errCh; the caller returns on the first failure.
// Expect: chanleak
package c

func upload(shard int) error { return nil }

func UploadShards(shards []int) error {
	errCh := make(chan error)
	for _, s := range shards {
		go func() { errCh <- upload(s) }() // BUG
	}
	for range shards {
		if err := <-errCh; err != nil {
			return err
		}
	}
	return nil
}
