package featurestore

import (
	"context"
	"testing"
	"time"
)

type memStore map[string]Features

func (m memStore) Get(ctx context.Context, key string) (Features, error) { return m[key], nil }

func (m memStore) Put(ctx context.Context, key string, f Features) error {
	m[key] = f
	return nil
}

// TestFetch is a test: it is where roots are made.
func TestFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = Fetch(ctx, memStore{}, "k")
	_, _ = memStore{}.Get(context.Background(), "k")
}

// fetchAll is a helper with a ctx, not a test: it is checked.
func fetchAll(ctx context.Context, s Store) {
	_, _ = s.Get(context.Background(), "k") // want `context\.Background\(\) drops ctx`
}

// checkFetch is test code: it takes a *testing.T.
func checkFetch(t *testing.T, ctx context.Context, s Store) {
	if _, err := s.Get(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
}
