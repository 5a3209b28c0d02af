//go:build !amd64

package anonymize

// prefetch is a no-op where no prefetch instruction is wired up (see bound_prefetch_amd64.s).
func prefetch(addr *uint32) {}
