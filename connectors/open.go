package connectors

import "errors"

// ErrUnsupported reports a source type no connector reads. Picking the connector is a plain
// switch in package connectors/open, which imports every source package.
var ErrUnsupported = errors.New("unsupported source type")
