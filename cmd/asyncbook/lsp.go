package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/server"
)

// runLSP serves the language server on stdio until the client sends exit or
// goes away. Its status is 0 after shutdown and exit, 1 otherwise.
func runLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asyncbook lsp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "do not log to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: asyncbook lsp [-quiet]\n\nServes the Language Server Protocol on stdin and stdout, beside gopls:\nasyncbook's findings as you type, hints, and exercise checks.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "asyncbook lsp: "+format+"\n", a...) }
	if *quiet {
		logf = func(string, ...any) {}
	}

	in, closeIn := closableInput(stdin)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := server.New(server.Options{
		Catalog: catalog.NewWorkbooks(logf),
		Logf:    logf,
		Version: version,
	})
	return s.Run(ctx, in, stdout, closerFunc(closeIn))
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// closableInput returns a reader of stdin whose read a close can end. A
// pipe or socket (how editors start servers) is switched to non-blocking mode, so that the runtime
// poller (not a blocked thread) waits on it and Close wakes the read.
func closableInput(stdin io.Reader) (io.Reader, func() error) {
	f, ok := stdin.(*os.File)
	if !ok {
		if c, ok := stdin.(io.Closer); ok {
			return stdin, c.Close
		}
		return stdin, func() error { return nil }
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return f, f.Close // a file or a terminal: leave its mode alone
	}
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return f, f.Close
	}
	nf := os.NewFile(uintptr(fd), f.Name())
	return nf, nf.Close
}
