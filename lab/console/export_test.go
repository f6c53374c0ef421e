package console

import (
	"maps"
	"slices"
)

// HelpNames are the names help("name") explains, for the test that runs
// their examples.
func HelpNames() []string {
	return slices.Sorted(slices.Values(slices.Concat(slices.Collect(maps.Keys(methodDocs)), slices.Collect(maps.Keys(otherDocs)), slices.Collect(maps.Keys(protocolDocs)), slices.Collect(maps.Keys(wireDocs)))))
}
