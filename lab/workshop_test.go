package lab_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/socketlab/socketlab/lab"
)

func TestStudentAddr(t *testing.T) {
	for n, want := range map[int]string{
		1:               "10.0.1.1",
		254:             "10.0.1.254",
		255:             "10.0.2.1",
		lab.MaxStudents: "10.0.255.254",
	} {
		if got := lab.StudentAddr(n); got.String() != want {
			t.Errorf("StudentAddr(%d) = %v, want %s", n, got, want)
		}
	}
	for _, n := range []int{0, -1, lab.MaxStudents + 1} {
		if got := lab.StudentAddr(n); got.IsValid() {
			t.Errorf("StudentAddr(%d) = %v, want invalid", n, got)
		}
	}
	network := netip.MustParsePrefix("10.0.0.0/16")
	seen := map[netip.Addr]bool{}
	for n := 1; n <= lab.MaxStudents; n++ {
		a := lab.StudentAddr(n)
		b := a.As4()
		if !network.Contains(a) || b[2] == 0 || b[3] == 0 || b[3] == 255 || seen[a] {
			t.Fatalf("StudentAddr(%d) = %v: outside 10.0.0.0/16, on the lab's side, a .0 or .255, or given twice", n, a)
		}
		seen[a] = true
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		code := lab.NewCode()
		if len(code) != lab.CodeLen || strings.Trim(code, lab.CodeAlphabet) != "" {
			t.Fatalf("NewCode() = %q: not %d characters of %s", code, lab.CodeLen, lab.CodeAlphabet)
		}
		seen[code] = true
		for _, typed := range []string{code, lab.FormatCode(code), strings.ToLower(lab.FormatCode(code)), " " + code[:4] + " " + code[4:] + " "} {
			if got, err := lab.ParseCode(typed); got != code || err != nil {
				t.Fatalf("ParseCode(%q) = %q, %v; want %q", typed, got, err, code)
			}
		}
	}
	if len(seen) < 999 {
		t.Errorf("1000 codes had only %d distinct", len(seen))
	}
	if strings.ContainsAny(lab.CodeAlphabet, "0O1IlL") {
		t.Errorf("CodeAlphabet %q has look-alikes", lab.CodeAlphabet)
	}
	if got := lab.FormatCode("ABCDEFGH"); got != "ABCD-EFGH" {
		t.Errorf("FormatCode = %q", got)
	}
	for _, bad := range []string{"", "ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFG0", "ABCD-EFGO", "ABCD-EFGI", "ABCD-EFGé", strings.Repeat("A", 1000)} {
		if got, err := lab.ParseCode(bad); !errors.Is(err, lab.ErrInvalid) {
			t.Errorf("ParseCode(%q) = %q, %v; want ErrInvalid", bad, got, err)
		}
	}
}

func TestValidateName(t *testing.T) {
	ok := []string{
		"Ada", "<b>bold</b>", "Robert'); DROP TABLE students;--", "王小明", "محمد", "Ἀριστοτέλης",
		"👩🏽‍💻", "नमस्ते", strings.Repeat("é", lab.MaxNameLen), "a\u200db", "&amp;", "${x}", "  padded  ",
	}
	for _, name := range ok {
		if err := lab.ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
	bad := []string{
		"", " ", "\u200b", "\u3000\t", strings.Repeat("a", lab.MaxNameLen+1), "line\nbreak", "nul\x00", "tab\there",
		"del\x7f", "c1\u0085", "bidi\u202eevil", "isolate\u2066x", "\xff\xfe", "trunc\xe4\xb8",
	}
	for _, name := range bad {
		err := lab.ValidateName(name)
		if !errors.Is(err, lab.ErrInvalid) || !strings.HasPrefix(err.Error(), "name ") {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalid saying what is wrong with the name", name, err)
		}
	}
}

// FuzzValidateName: any bytes are either refused with ErrInvalid or a
// name of 1 to MaxNameLen runes of valid UTF-8 without control characters.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"Ada", "<b>x</b>", "\x00", "\xff", "a\nb", "王小明", strings.Repeat("x", 41)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := lab.ValidateName(s)
		if err != nil {
			if !errors.Is(err, lab.ErrInvalid) {
				t.Fatalf("ValidateName(%q) = %v, not ErrInvalid", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > lab.MaxNameLen || strings.ContainsAny(s, "\x00\n\r\x7f\u202e") {
			t.Fatalf("ValidateName(%q) accepted it", s)
		}
	})
}

func validWorkshop() lab.Workshop {
	return lab.Workshop{
		Title:       "Networks 101",
		Exercises:   []string{"round-trip", "datagrams"},
		Peers:       lab.PeersNone,
		MaxStudents: 300,
		TokenHash:   lab.HashToken("secret"),
	}
}

func TestWorkshopValidate(t *testing.T) {
	w := validWorkshop()
	if err := w.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	many := make([]string, lab.MaxExercises+1)
	for i := range many {
		many[i] = "e" + strings.Repeat("x", i%60) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for name, change := range map[string]func(*lab.Workshop){
		"no title":           func(w *lab.Workshop) { w.Title = "" },
		"long title":         func(w *lab.Workshop) { w.Title = strings.Repeat("t", lab.MaxTitleLen+1) },
		"no exercises":       func(w *lab.Workshop) { w.Exercises = nil },
		"too many exercises": func(w *lab.Workshop) { w.Exercises = many },
		"twice":              func(w *lab.Workshop) { w.Exercises = []string{"ports", "ports"} },
		"bad exercise ID":    func(w *lab.Workshop) { w.Exercises = []string{"../etc"} },
		"long exercise ID":   func(w *lab.Workshop) { w.Exercises = []string{strings.Repeat("a", lab.MaxExerciseIDLen+1)} },
		"peers":              func(w *lab.Workshop) { w.Peers = "some" },
		"no peers":           func(w *lab.Workshop) { w.Peers = "" },
		"no students":        func(w *lab.Workshop) { w.MaxStudents = 0 },
		"too many students":  func(w *lab.Workshop) { w.MaxStudents = lab.MaxStudents + 1 },
		"no token":           func(w *lab.Workshop) { w.TokenHash = lab.TokenHash{} },
	} {
		w := validWorkshop()
		change(&w)
		if err := w.Validate(); !errors.Is(err, lab.ErrInvalid) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid", name, err)
		}
	}
	if !w.HasExercise("datagrams") || w.HasExercise("ports") {
		t.Error("HasExercise is wrong")
	}
	title, peers := "", lab.Peers("both")
	for _, u := range []lab.WorkshopUpdate{{Title: &title}, {Peers: &peers}} {
		if err := u.Validate(); !errors.Is(err, lab.ErrInvalid) {
			t.Errorf("%+v: Validate() = %v, want ErrInvalid", u, err)
		}
	}
}

func TestParsePeers(t *testing.T) {
	for _, s := range []string{"none", "all"} {
		if p, err := lab.ParsePeers(s); string(p) != s || err != nil {
			t.Errorf("ParsePeers(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "None", "some"} {
		if _, err := lab.ParsePeers(s); !errors.Is(err, lab.ErrInvalid) {
			t.Errorf("ParsePeers(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestProgressValidate(t *testing.T) {
	good := []lab.ProgressRecord{
		{Exercise: "round-trip", Step: 0, Kind: lab.ProgressStep},
		{Exercise: "round-trip", Step: lab.MaxSteps - 1, Kind: lab.ProgressAnswer, Answer: "49152"},
	}
	for _, r := range good {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: Validate() = %v", r, err)
		}
	}
	bad := []lab.ProgressRecord{
		{Exercise: "", Kind: lab.ProgressStep},
		{Exercise: "Round Trip", Kind: lab.ProgressStep},
		{Exercise: "round-trip", Step: -1, Kind: lab.ProgressStep},
		{Exercise: "round-trip", Step: lab.MaxSteps, Kind: lab.ProgressStep},
		{Exercise: "round-trip", Kind: "ticked"},
		{Exercise: "round-trip", Kind: lab.ProgressStep, Answer: "x"},
		{Exercise: "round-trip", Kind: lab.ProgressAnswer},
		{Exercise: "round-trip", Kind: lab.ProgressAnswer, Answer: strings.Repeat("9", lab.MaxAnswerLen+1)},
	}
	for _, r := range bad {
		if err := r.Validate(); !errors.Is(err, lab.ErrInvalid) {
			t.Errorf("%+v: Validate() = %v, want ErrInvalid", r, err)
		}
	}
}

func TestErrorf(t *testing.T) {
	err := lab.Errorf(lab.ErrFull, "workshop %s is full", "ABCD-EFGH")
	if !errors.Is(err, lab.ErrFull) || errors.Is(err, lab.ErrNotFound) || err.Error() != "workshop ABCD-EFGH is full" {
		t.Errorf("Errorf = %v", err)
	}
}

func TestHashToken(t *testing.T) {
	a, again := lab.HashToken("a"), lab.HashToken("a")
	if a == lab.HashToken("b") || a != again || a.IsZero() {
		t.Error("HashToken is not a hash")
	}
}
