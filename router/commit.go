package router

import (
	"errors"
	"sync"
)

// committer makes state changes durable in the order they were made.
//
// With a data directory it runs a writer goroutine: a change is queued
// under the service's lock (so queue order is memory order), the lock is
// released, and the caller waits for its batch. Changes queued while a
// write is in flight go to disk together in the next transaction (group
// commit), so the service's lock is never held across an fsync and
// planning never waits for the disk.
//
// A failed write is fatal (fail-stop): memory may then be ahead of disk,
// so every later call is refused with Unavailable until the process is
// restarted and reloads what was acknowledged. No call is acknowledged
// before its change is durable.
//
// Without a data directory (memStore) changes are "written" at once.
type committer struct {
	mu      sync.Mutex
	st      store
	async   bool
	open    *batch // being filled
	last    *batch // most recently queued
	failure error
	stopped bool
	onFail  func(error)
	ok      *batch // a done batch without error

	kick  chan struct{}
	stop  chan struct{}
	ended chan struct{}
}

// batch is changes written in one transaction; done closes once it is
// durable (or failed, with err).
type batch struct {
	ch   changes
	done chan struct{}
	err  error
}

// wait blocks until b is durable.
func (b *batch) wait() error {
	<-b.done
	return b.err
}

func doneBatch(err error) *batch {
	b := &batch{done: make(chan struct{}), err: err}
	close(b.done)
	return b
}

// errStoreFailed wraps the write error that stopped the service.
var errStoreFailed = errors.New("state store failed; restart the service")

func newCommitter(st store, async bool, onFail func(error)) *committer {
	c := &committer{st: st, async: async, onFail: onFail, ok: doneBatch(nil),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), ended: make(chan struct{})}
	if async {
		go c.run()
	} else {
		close(c.ended)
	}
	return c
}

// err is the failure that stopped the service, if any.
func (c *committer) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failure
}

// add queues ch; the caller must hold the service's write lock and wait for
// the batch after releasing it.
func (c *committer) add(ch *changes) *batch {
	if ch.empty() {
		return c.barrier()
	}
	c.mu.Lock()
	if c.failure != nil {
		defer c.mu.Unlock()
		return doneBatch(c.failure)
	}
	if c.stopped {
		defer c.mu.Unlock()
		return doneBatch(errClosed)
	}
	if !c.async {
		err := c.st.Save(ch)
		c.mu.Unlock()
		if err != nil {
			return doneBatch(c.fail(err))
		}
		return c.ok
	}
	if c.open == nil {
		c.open = &batch{done: make(chan struct{})}
	}
	c.open.ch.merge(ch)
	b := c.open
	c.last = b
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return b
}

// barrier returns the most recently queued batch: once it is durable, so
// is everything queued before.
func (c *committer) barrier() *batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failure != nil {
		return doneBatch(c.failure)
	}
	if c.last == nil {
		return c.ok
	}
	return c.last
}

func (c *committer) fail(err error) error {
	c.mu.Lock()
	first := c.failure == nil
	if first {
		c.failure = errors.Join(errStoreFailed, err)
	}
	f := c.failure
	c.mu.Unlock()
	if first && c.onFail != nil {
		c.onFail(f)
	}
	return f
}

func (c *committer) run() {
	defer close(c.ended)
	for {
		select {
		case <-c.kick:
			c.flush()
		case <-c.stop:
			c.flush()
			return
		}
	}
}

// flush writes the open batch.
func (c *committer) flush() {
	c.mu.Lock()
	b := c.open
	c.open = nil
	st := c.st
	c.mu.Unlock()
	if b == nil {
		return
	}
	if err := st.Save(&b.ch); err != nil {
		b.err = c.fail(err)
	}
	close(b.done)
}

// close writes what is queued and stops the writer; later changes fail.
func (c *committer) close() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.mu.Unlock()
	if c.async {
		close(c.stop)
	}
	<-c.ended
}
