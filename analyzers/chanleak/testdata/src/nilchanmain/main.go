// Command nilchanmain serves in the background and blocks main forever on a
// nil channel, on purpose: not reported.
package main

import "log"

func serve() { log.Println("serving") }

func main() {
	go serve()
	var forever chan struct{}
	<-forever
}
