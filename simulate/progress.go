package simulate

import (
	"context"
	"sync"
	"time"
)

// startProgress reports the bytes of orders read by all jobs to
// cfg.Progress until the returned stop function is called.
func startProgress(ctx context.Context, cfg Config, jobs []*job) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	total := cfg.Orders.Size() * int64(len(jobs))
	sum := func() int64 {
		var n int64
		for _, j := range jobs {
			n += j.read.Load()
		}
		return n
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				cfg.Progress(sum(), total)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		cfg.Progress(sum(), total)
	}
}
