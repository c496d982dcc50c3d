package scope

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"time"
)

func here() {}

func params(parent context.Context, other context.Context) {
	here() // want `contexts=other,parent caller=other,parent source=other`
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	here() // want `contexts=ctx,other,parent caller=ctx,other,parent source=ctx`
	<-ctx.Done()
}

func roots() {
	bg := context.Background()
	val := context.WithValue(bg, "k", 1)
	detached := context.WithoutCancel(val)
	_ = detached
	here() // want `contexts= caller= source=none`
}

func owned() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	here() // want `contexts=ctx caller= source=ctx`
	go func() {
		here() // want `contexts=ctx caller=ctx source=ctx`
	}()
	sig, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	_ = sig
	here() // want `contexts=sig,ctx caller= source=sig`
}

func shadowed(ctx context.Context) {
	{
		ctx := context.TODO()
		_ = ctx
		here() // want `contexts= caller= source=none`
	}
	here() // want `contexts=ctx caller=ctx source=ctx`
	later := ctx
	_ = later
}

func closure(ctx context.Context) func() {
	return func() {
		inner, cancel := context.WithCancel(ctx)
		defer cancel()
		here() // want `contexts=inner,ctx caller=inner,ctx source=inner`
		<-inner.Done()
	}
}

func handler(w http.ResponseWriter, r *http.Request) {
	here() // want `contexts= caller= source=r.Context\(\)`
}

func handlerWithCtx(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	here() // want `contexts=ctx caller=ctx source=ctx`
	<-ctx.Done()
}

var pkgCtx = context.Background()

func packageLevel() {
	here() // want `contexts= caller= source=none`
}
