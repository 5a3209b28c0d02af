// Package publish makes a release visible atomically (SPEC.md "Outputs", publication protocol
// steps 4 and 7): outputs are built in a hidden staging directory beside the output directory,
// sealed (modes for publication, everything fsynced), and moved into place in one rename, so a
// reader of the output directory sees the old release or the new one, never a mix.
//
// Names are deterministic so that the next run finds what a killed run left: for an output
// directory <parent>/<base>, the staging directory is <parent>/.<base>.staging (being built,
// or built and waiting for publication) and <parent>/.<base>.old holds a replaced release while
// it is deleted. Only these two names are ever removed by this package.
//
// The package is Linux-specific in substance: an atomic replacement needs renameat2 with
// RENAME_EXCHANGE. It never reads the files it moves, except a staged report.json to tell
// whether a staged release is the one the ledger committed (Pending).
package publish
