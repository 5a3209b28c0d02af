package csvsource

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
)

// chunk is one read of the file. Its bytes sit at buf[headroom : headroom+n]; the space in
// front lets the parser prepend the unfinished record of the previous chunk without copying
// the new chunk.
type chunk struct {
	buf []byte
	n   int
	eof bool   // the file ends after these bytes
	sum string // hex sha256 of the whole file, set with eof
	err error  // a read error (quotes no value: it comes from the OS)
}

// chunkReader reads the file on its own goroutine, hashing each chunk before handing it
// over, so hashing and reading overlap with parsing. It owns a fixed set of buffers, which
// bounds memory: the parser gives each buffer back once it has moved past it.
type chunkReader struct {
	chunks chan chunk
	free   chan []byte
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// nBuffers is the number of chunk buffers: one being parsed, one waiting, one being read.
const nBuffers = 3

func startReader(r io.Reader, bufSize, headroom int) *chunkReader {
	cr := &chunkReader{
		chunks: make(chan chunk, nBuffers),
		free:   make(chan []byte, nBuffers),
		done:   make(chan struct{}),
	}
	for i := 0; i < nBuffers; i++ {
		cr.free <- nil // allocated on first use, so a small file never needs three
	}
	cr.wg.Add(1)
	go cr.run(r, bufSize, headroom)
	return cr
}

func (cr *chunkReader) run(r io.Reader, bufSize, headroom int) {
	defer cr.wg.Done()
	h := sha256.New()
	for {
		var b []byte
		select {
		case b = <-cr.free:
		case <-cr.done:
			return
		}
		if b == nil {
			b = make([]byte, headroom+bufSize)
		}
		n, err := io.ReadFull(r, b[headroom:])
		h.Write(b[headroom : headroom+n])
		c := chunk{buf: b, n: n}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			c.eof = true
			c.sum = hex.EncodeToString(h.Sum(nil))
		default:
			c.err = err
		}
		select {
		case cr.chunks <- c:
		case <-cr.done:
			return
		}
		if c.eof || c.err != nil {
			return
		}
	}
}

// recycle gives a chunk buffer back to the reader. It never blocks: there are only
// nBuffers buffers and the channel holds that many.
func (cr *chunkReader) recycle(b []byte) {
	select {
	case cr.free <- b:
	default:
	}
}

// signal tells the reader goroutine to stop; safe to call more than once.
func (cr *chunkReader) signal() {
	cr.once.Do(func() { close(cr.done) })
}

// wait waits for the reader goroutine to end (after signal, or after the last chunk).
func (cr *chunkReader) wait() {
	cr.wg.Wait()
}
