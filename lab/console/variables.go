package console

import (
	"maps"
	"slices"
)

// Variables returns the names the student has bound, sorted: what is lost
// with the console when its session ends.
func (c *Console) Variables() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.vars))
}
