package bootstrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// abortGrace is how long an aborted Terraform gets to exit on its second interrupt before
// its process group is killed.
var abortGrace = 5 * time.Second

// NotifyContext returns a context cancelled by the first SIGINT or SIGTERM. Cancelling
// makes the driver send Terraform an interrupt: it stops what it is doing, writes its
// state and releases the lock, and Run records the phase as interrupted so the next run
// resumes there. A second signal aborts: Terraform gets a second interrupt (which makes it
// exit at once) and its process group is killed shortly after. Call stop when done.
func NotifyContext(parent context.Context, w io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-done:
				return
			case sig := <-signals:
				count++
				if count == 1 {
					fmt.Fprintf(w, "\n%s received: asking Terraform to stop gracefully (it saves its state and releases the lock); press Ctrl-C again to abort\n", sig)
					cancel()
					continue
				}
				fmt.Fprintf(w, "\n%s received again: aborting Terraform\n", sig)
				abortChildren()
			}
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}
