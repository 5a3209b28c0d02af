package connectors

import "fmt"

// Opener opens one kind of source. Source packages register nothing: Open is a plain switch
// in package open (connectors/open), which imports every source package.
type Opener func(Options) (Source, error)

// ErrUnsupported reports a source type no connector reads.
var ErrUnsupported = fmt.Errorf("unsupported source type")
