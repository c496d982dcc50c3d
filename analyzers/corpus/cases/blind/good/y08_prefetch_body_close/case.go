// Warms a CDN cache for a model file in the background, logging failures; the body is closed unchecked.
package c

import (
	"io"
	"log"
	"net/http"
)

func WarmCDN(client *http.Client, url string) {
	go func() {
		resp, err := client.Get(url)
		if err != nil {
			log.Printf("warm %s: %v", url, err)
			return
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			log.Printf("warm %s: %v", url, err)
		}
	}()
}
