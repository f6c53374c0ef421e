package console

import (
	"maps"
	"regexp"
	"slices"
	"testing"
)

// The help and the tables the console runs from name the same things: a
// socket method, a str or bytes method or a builtin without help, help
// for a name the console does not have, or a name help() does not list,
// fails here.
func TestHelpCoversEveryName(t *testing.T) {
	methods := slices.Sorted(maps.Keys(socketMethods))
	if got := slices.Sorted(slices.Values(methodOrder)); !slices.Equal(got, methods) {
		t.Errorf("methodOrder = %v,\nwant each socket method once: %v", got, methods)
	}
	documented := slices.DeleteFunc(slices.Sorted(maps.Keys(methodDocs)), func(n string) bool { return n == "socket" })
	if !slices.Equal(documented, methods) {
		t.Errorf("methodDocs (besides socket, the class) = %v,\nwant the socket methods: %v", documented, methods)
	}

	// Every other name: the builtins (the socket module's names among
	// them) and the methods of str and bytes.
	var names []string
	names = slices.AppendSeq(names, maps.Keys(builtins))
	names = slices.AppendSeq(names, maps.Keys(strMethods))
	names = slices.AppendSeq(names, maps.Keys(bytesMethods))
	for _, name := range names {
		if _, ok := lookupDoc(name); !ok {
			t.Errorf("%s has no help", name)
		}
	}
	for name := range otherDocs {
		if !slices.Contains(names, name) {
			t.Errorf("otherDocs has help for %s, which the console does not have", name)
		}
	}

	// The wire's methods, each once in wireOrder, each with help.
	wire := slices.Sorted(maps.Keys(wireMethods))
	if got := slices.Sorted(slices.Values(wireOrder)); !slices.Equal(got, wire) {
		t.Errorf("wireOrder = %v,\nwant each wire method once: %v", got, wire)
	}
	if got := slices.DeleteFunc(slices.Sorted(maps.Keys(wireDocs)), func(n string) bool { return n == "wire" }); !slices.Equal(got, wire) {
		t.Errorf("wireDocs (besides wire) = %v,\nwant the wire methods: %v", got, wire)
	}

	// help() lists them all (the methods from methodOrder).
	text := overview()
	for _, name := range names {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(text) {
			t.Errorf("help() does not list %s", name)
		}
	}
}
