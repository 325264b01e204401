package reconstruct

// batcher hands batches of work to a goroutine of its own, which handles
// them in the order they were sent. Handled batches are reset and come back
// for reuse, so a steady stream allocates nothing.
type batcher[B any] struct {
	cur  *B // the batch being filled, nil when none
	full chan *B
	free chan *B
	done chan struct{} // closed when the goroutine has handled every batch
}

// newBatcher starts the goroutine: handle is called on each batch sent,
// then reset before the batch is reused.
func newBatcher[B any](handle, reset func(*B)) *batcher[B] {
	b := &batcher[B]{full: make(chan *B, 8), free: make(chan *B, 10), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for x := range b.full {
			handle(x)
			reset(x)
			b.free <- x
		}
	}()
	return b
}

// current returns the batch being filled: a reused one, or a new one when
// none is free.
func (b *batcher[B]) current() *B {
	if b.cur == nil {
		select {
		case b.cur = <-b.free:
		default:
			b.cur = new(B)
		}
	}
	return b.cur
}

// send hands the current batch to the goroutine.
func (b *batcher[B]) send() {
	b.full <- b.cur
	b.cur = nil
}

// stop sends the batch being filled, if any, and waits until the goroutine
// has handled everything.
func (b *batcher[B]) stop() {
	if b.cur != nil {
		b.send()
	}
	close(b.full)
	<-b.done
}
