package console

import (
	"sort"
	"strings"
	"unicode"
)

// Complete returns the completions of the name or dotted name at the end
// of prefix, the input before the cursor, as Python's rlcompleter gives
// them: the whole dotted name completed, with "(" after a function or
// method, so that Complete("s.con") is ["s.connect("]. The caller
// replaces the trailing name with one of them. Names are builtins,
// constants, keywords and variables; after "name." they are the attributes
// of the name's value. Complete runs no code and does not wait for a line
// that is running.
func (c *Console) Complete(prefix string) []string {
	word := trailingName(prefix)
	if strings.HasPrefix(word, ".") {
		return nil
	}
	var found []string
	if dot := strings.LastIndexByte(word, '.'); dot >= 0 {
		base, frag := word[:dot], word[dot+1:]
		v, ok := c.resolve(base)
		if !ok {
			return nil
		}
		for _, name := range attributes(v) {
			if strings.HasPrefix(name, frag) {
				found = append(found, base+"."+name+callSuffix(v, name))
			}
		}
	} else {
		if word == "" {
			return nil
		}
		seen := map[string]bool{}
		add := func(name string, v value) {
			if strings.HasPrefix(name, word) && !seen[name] {
				seen[name] = true
				found = append(found, name+suffix(v))
			}
		}
		c.mu.Lock()
		for name, v := range c.vars {
			add(name, v)
		}
		c.mu.Unlock()
		for name, v := range builtins {
			add(name, v)
		}
		for _, kw := range []string{"None", "True", "False", "import", "from", "del", "pass"} {
			add(kw, nil)
		}
	}
	sort.Strings(found)
	return found
}

// trailingName is the name or dotted name prefix ends with.
func trailingName(prefix string) string {
	rs := []rune(prefix)
	i := len(rs)
	for i > 0 && (rs[i-1] == '_' || rs[i-1] == '.' || unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1])) {
		i--
	}
	word := string(rs[i:])
	if word != "" && unicode.IsDigit([]rune(word)[0]) {
		return "" // a number, such as 2.5
	}
	return word
}

// resolve looks a dotted name up without running anything.
func (c *Console) resolve(dotted string) (value, bool) {
	parts := strings.Split(dotted, ".")
	v, ok := c.lookup(parts[0])
	if !ok {
		return nil, false
	}
	for _, name := range parts[1:] {
		var err *pyError
		if v, err = getattr(v, name); err != nil {
			return nil, false
		}
	}
	return v, true
}

// attributes lists the attributes of v.
func attributes(v value) []string {
	var names []string
	switch v := v.(type) {
	case moduleValue:
		for name := range moduleMembers {
			names = append(names, name)
		}
	case *socketObj:
		for name := range socketMethods {
			names = append(names, name)
		}
		names = append(names, "family", "type", "proto")
	case *builtinValue:
		if v == socketClass {
			for name := range socketMethods {
				names = append(names, name)
			}
		}
	case wireValue:
		for name := range wireMethods {
			names = append(names, name)
		}
	case strValue:
		for name := range strMethods {
			names = append(names, name)
		}
	case bytesValue:
		for name := range bytesMethods {
			names = append(names, name)
		}
	}
	return names
}

// callSuffix is "(" if v.name is callable.
func callSuffix(v value, name string) string {
	attr, err := getattr(v, name)
	if err != nil {
		return ""
	}
	return suffix(attr)
}

// suffix is "(" for a value that is called, "" for others.
func suffix(v value) string {
	switch v.(type) {
	case *builtinValue, *methodValue:
		return "("
	}
	return ""
}
