package anonymize

// prefetch hints that the cache line holding *addr will be read soon. Unlike a plain load it
// never stalls: AddBatch issues a batch's misses ahead of the work that needs them.
//
//go:noescape
func prefetch(addr *uint32)
