package lab

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"
	"unicode"
	"unicode/utf8"
)

// The store's errors, for callers to tell apart with errors.Is (an HTTP
// API maps them to 404, 400, 409 and 409 or 429).
var (
	// ErrNotFound: no workshop has the code, no student the ID or token.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a field breaks the domain's rules or bounds; the error
	// says which, in words fit to show the person who typed it.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the change clashes with what is stored (a student's
	// token hash another student already has).
	ErrConflict = errors.New("conflict")
	// ErrFull: a bound on what is stored is reached (a workshop's
	// students, a student's progress records).
	ErrFull = errors.New("full")
)

// domainError is an error of one of the kinds above, with a message of
// its own.
type domainError struct {
	kind error
	msg  string
}

func (e *domainError) Error() string        { return e.msg }
func (e *domainError) Is(target error) bool { return target == e.kind }

// Errorf returns an error that is kind (ErrNotFound, ErrInvalid,
// ErrConflict or ErrFull) for errors.Is, whose message is the format's
// alone: "workshop ABCD-EFGH is full (300 students)".
func Errorf(kind error, format string, args ...any) error {
	return &domainError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) error { return Errorf(ErrInvalid, format, args...) }

// Workshop is an instructor's class: one lab network that its students
// share, the exercises they work through, and whether their hosts may
// reach each other. Its code is how students join it; its instructor
// proves who they are with a token, of which only the hash is kept.
type Workshop struct {
	// Code is the join code, eight characters of CodeAlphabet, chosen by
	// the store when the workshop is created. FormatCode shows it.
	Code string `json:"code"`
	// Title is what students see when they join.
	Title string `json:"title"`
	// Exercises are the worksheet's exercise IDs, in the order students
	// work through them.
	Exercises []string `json:"exercises"`
	// Peers says whether students' hosts may reach each other.
	Peers Peers `json:"peers"`
	// MaxStudents bounds how many students may join (1 to MaxStudents).
	MaxStudents int `json:"max_students"`
	// LockedAfter paces the class: students may open the first
	// LockedAfter exercises only, the rest are locked (Locked); 0 locks
	// none. It is 0 to len(Exercises)-1.
	LockedAfter int `json:"locked_after"`
	// Wire is the wire the instructor set for every student's port, nil
	// for none (never a clear one).
	Wire *RoomWire `json:"wire,omitempty"`
	// TokenHash is the hash of the instructor's token (HashToken).
	TokenHash TokenHash `json:"-"`
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WorkshopUpdate is a change to a workshop's settings: the fields that
// are not nil are set.
type WorkshopUpdate struct {
	Title       *string
	Peers       *Peers
	LockedAfter *int      // 0 to the workshop's exercises less one
	Wire        *RoomWire // a clear one (WireDirs.Clear) takes the wire down
}

// Peers is a workshop's policy on traffic between students' hosts.
type Peers string

// The peers policies.
const (
	// PeersNone drops (and counts) every packet from one student's host
	// to another's: each student talks only to the lab server.
	PeersNone Peers = "none"
	// PeersAll lets every student's host reach every other's.
	PeersAll Peers = "all"
)

// ParsePeers reads a peers policy, "none" or "all".
func ParsePeers(s string) (Peers, error) {
	switch p := Peers(s); p {
	case PeersNone, PeersAll:
		return p, nil
	}
	return "", invalidf("peers is %q, not %q or %q", s, PeersNone, PeersAll)
}

// Student is one member of a workshop. Their address in the workshop's
// network is theirs for the workshop's life; their token (a cookie, or a
// resume link) is how they come back, and only its hash is kept.
type Student struct {
	// ID is chosen by the store.
	ID int64 `json:"id"`
	// Workshop is the workshop's code.
	Workshop string `json:"workshop"`
	// Name is the display name the student chose (ValidateName).
	Name string `json:"name"`
	// Addr is the student's host in the workshop's network (StudentAddr),
	// chosen by the store when the student joins.
	Addr netip.Addr `json:"addr"`
	// TokenHash is the hash of the student's token (HashToken).
	TokenHash TokenHash `json:"-"`
	// JoinedAt is set by the store; LastSeen by TouchStudent.
	JoinedAt time.Time `json:"joined_at"`
	LastSeen time.Time `json:"last_seen"`
}

// ProgressKind is what a progress record says a student did.
type ProgressKind string

// The kinds of progress record.
const (
	// ProgressStep: the student completed a step (its check passed).
	ProgressStep ProgressKind = "step"
	// ProgressAnswer: the student answered a step's question right; the
	// record keeps the answer.
	ProgressAnswer ProgressKind = "answer"
)

// ProgressRecord is one thing a student did in an exercise. A student has
// at most one record per exercise, step and kind: recording it again
// merges into the record kept (see WorkshopStore.RecordProgress).
type ProgressRecord struct {
	StudentID int64        `json:"student"`
	Exercise  string       `json:"exercise"`
	Step      int          `json:"step"` // from 0, as the worksheet numbers them
	Kind      ProgressKind `json:"kind"`
	// Answer is the answer given, for ProgressAnswer; empty for a step.
	Answer string `json:"answer,omitempty"`
	// At is when the record was first made; zero means now.
	At time.Time `json:"completed_at"`
	// Confirmed says the server saw it itself (the packets crossing the
	// bridge, the lab server's calls) rather than taking the browser's
	// word for it.
	Confirmed bool `json:"confirmed"`
}

// WorkshopStore keeps workshops, their students and their progress: what
// must outlive the process that runs a workshop's network. Its errors
// wrap ErrNotFound, ErrInvalid, ErrConflict or ErrFull where those apply.
// Implementations are safe for concurrent use.
type WorkshopStore interface {
	// CreateWorkshop stores a new workshop, choosing its Code and setting
	// its times. Title, Exercises, Peers, MaxStudents and TokenHash must
	// be set and valid (Workshop.Validate).
	CreateWorkshop(ctx context.Context, w *Workshop) error
	// Workshop returns the workshop with the code, or ErrNotFound. Codes
	// are as ParseCode returns them (a formatted or mistyped one is not
	// found), here and in every method that takes one.
	Workshop(ctx context.Context, code string) (*Workshop, error)
	// UpdateWorkshop changes a workshop's settings and returns it as it
	// now is. A LockedAfter not below the workshop's number of exercises
	// is ErrInvalid; a clear Wire is stored as none.
	UpdateWorkshop(ctx context.Context, code string, upd WorkshopUpdate) (*Workshop, error)
	// DeleteWorkshop removes a workshop with its students and their
	// progress.
	DeleteWorkshop(ctx context.Context, code string) error
	// CountWorkshops says how many workshops are stored.
	CountWorkshops(ctx context.Context) (int, error)
	// ListWorkshops lists every workshop, newest first, with its number of
	// students and its last activity.
	ListWorkshops(ctx context.Context) ([]WorkshopSummary, error)

	// Class is what the instructor set for a workshop's class while it
	// runs: the message, the spotlight and the help queue.
	Class(ctx context.Context, code string) (*Class, error)
	// SetMessage sets a workshop's message to the class ("" takes it
	// down; at most MaxMessageLen characters, as ValidateText) and returns
	// when it was set.
	SetMessage(ctx context.Context, code, text string) (time.Time, error)
	// SetSpotlight turns the spotlight on one of the workshop's students
	// (not one: ErrNotFound), or off for nil. Deleting the student turns
	// it off.
	SetSpotlight(ctx context.Context, code string, sp *Spotlight) error
	// RaiseHand puts a student's hand up, at the end of the workshop's
	// queue, or, if it is up, changes its message (its place and state
	// stay). The message is "" or as ValidateText with MaxHandLen.
	RaiseHand(ctx context.Context, code string, student int64, message string) error
	// LowerHand takes a student's hand down; ErrNotFound if it is not up.
	LowerHand(ctx context.Context, code string, student int64) error
	// MarkHand marks the hand with the ID as the instructor's to answer
	// (coming), or takes it down (done); it returns whose hand it is, or
	// ErrNotFound.
	MarkHand(ctx context.Context, code string, id int64, done bool) (student int64, err error)

	// AddStudent adds s to the workshop s.Workshop, choosing its ID, its
	// address (the StudentAddr after the last one the workshop gave, so
	// a deleted student's address is never given again) and its times. Name and TokenHash must be set; a token hash
	// another student has is ErrConflict; a workshop with MaxStudents
	// students is ErrFull.
	AddStudent(ctx context.Context, s *Student) error
	// StudentByToken finds the student of the workshop whose token has
	// the hash, or ErrNotFound (also for another workshop's student).
	StudentByToken(ctx context.Context, code string, hash TokenHash) (*Student, error)
	// TouchStudent moves a student's LastSeen forward to at (never back).
	TouchStudent(ctx context.Context, id int64, at time.Time) error
	// Students lists a workshop's students in the order they joined.
	Students(ctx context.Context, code string) ([]*Student, error)
	// DeleteStudent removes one student of the workshop, with their
	// progress; ErrNotFound if the workshop has no student with the ID.
	DeleteStudent(ctx context.Context, code string, id int64) error

	// RecordProgress keeps r and returns the record as stored. Recording
	// what is already recorded changes nothing, except that Confirmed
	// true upgrades an unconfirmed record (never the reverse); At and
	// Answer stay as first recorded. The exercise must be one of the
	// student's workshop's; a student with MaxProgress records gets
	// ErrFull for a new one.
	RecordProgress(ctx context.Context, r ProgressRecord) (ProgressRecord, error)
	// Progress returns the records of every student of a workshop, by
	// student in the order they joined, each student's in the order first
	// recorded.
	Progress(ctx context.Context, code string) ([]ProgressRecord, error)
	// StudentProgress returns one student's records in the order first
	// recorded.
	StudentProgress(ctx context.Context, studentID int64) ([]ProgressRecord, error)
}

// WorkshopSummary is a workshop as the instructor's list of them shows it.
type WorkshopSummary struct {
	Workshop *Workshop
	// Students is how many have joined; LastActivity is the latest of
	// the workshop's creation and its students' joining and last seen.
	Students     int
	LastActivity time.Time
}

// Class is what an instructor sets for a workshop's class while it runs,
// kept so that a restart, or another server taking the workshop on,
// keeps it.
type Class struct {
	// Message is the instructor's line to the class, "" for none;
	// MessageAt is when it was set.
	Message   string
	MessageAt time.Time
	// Spotlight is whose trace the class is shown, nil for none.
	Spotlight *Spotlight
	// Hands is the help queue, in order of asking.
	Hands []Hand
}

// Spotlight is the student whose trace the class is shown, and whether
// the class is told their name.
type Spotlight struct {
	Student  int64
	ShowName bool
}

// Hand is a student's request for help.
type Hand struct {
	// ID is chosen by the store.
	ID      int64
	Student int64
	// Name is the student's (read with the hand).
	Name    string
	Message string
	// At is when it was raised; Coming says the instructor is on their
	// way.
	At     time.Time
	Coming bool
}

// Bounds on what a workshop holds. Every byte of it comes from a browser,
// and the store enforces them too.
const (
	MaxTitleLen      = 100  // runes in a workshop's title
	MaxNameLen       = 40   // runes in a student's display name
	MaxExercises     = 64   // exercises in a workshop
	MaxExerciseIDLen = 64   // bytes in an exercise ID
	MaxSteps         = 100  // steps in an exercise: a step is 0 to MaxSteps-1
	MaxAnswerLen     = 200  // runes in an answer
	MaxProgress      = 1000 // records per student: a worksheet of 10 exercises needs about 120
	MaxMessageLen    = 200  // runes in the instructor's message to the class
	MaxHandLen       = 100  // runes in a hand's message
	// MaxStudents is the most students a workshop can have: one for each
	// address StudentAddr gives.
	MaxStudents = 255 * 254
)

// StudentAddr is the address in a workshop's network (10.0.0.0/16) of its
// nth student, from 1: 10.0.1.1 to 10.0.1.254, then 10.0.2.1, and so on
// to 10.0.255.254 (MaxStudents), never a .0 or a .255, and never 10.0.0.x,
// which is the lab server's side. It is invalid for an n out of range.
func StudentAddr(n int) netip.Addr {
	if n < 1 || n > MaxStudents {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte{10, 0, byte(1 + (n-1)/254), byte(1 + (n-1)%254)})
}

// TokenHash is the SHA-256 of a token. Tokens are random (crypto/rand's
// Text, 130 bits), so a plain hash is enough to make a stolen database
// useless for signing in, and lets the store look a token up by its hash.
type TokenHash [sha256.Size]byte

// HashToken returns the hash of a token, as the store keeps it.
func HashToken(token string) TokenHash {
	return sha256.Sum256([]byte(token))
}

// IsZero reports whether h is unset.
func (h TokenHash) IsZero() bool { return h == TokenHash{} }

// Validate checks a workshop's fields against the domain's rules and
// bounds: its title (as ValidateText), its exercises (1 to MaxExercises
// distinct IDs of lowercase letters, digits and dashes), its peers policy,
// MaxStudents and TokenHash.
func (w *Workshop) Validate() error {
	if err := ValidateText("title", w.Title, MaxTitleLen); err != nil {
		return err
	}
	if len(w.Exercises) == 0 || len(w.Exercises) > MaxExercises {
		return invalidf("a workshop has 1 to %d exercises, not %d", MaxExercises, len(w.Exercises))
	}
	seen := make(map[string]bool, len(w.Exercises))
	for _, id := range w.Exercises {
		if err := validateExerciseID(id); err != nil {
			return err
		}
		if seen[id] {
			return invalidf("exercise %q is listed twice", id)
		}
		seen[id] = true
	}
	if _, err := ParsePeers(string(w.Peers)); err != nil {
		return err
	}
	if w.MaxStudents < 1 || w.MaxStudents > MaxStudents {
		return invalidf("max students is %d, not 1 to %d", w.MaxStudents, MaxStudents)
	}
	if err := validateLockedAfter(w.LockedAfter, len(w.Exercises)); err != nil {
		return err
	}
	if w.Wire != nil {
		if err := w.Wire.Check(); err != nil {
			return invalidf("the wire: %v", err)
		}
		if w.Wire.Clear() {
			return invalidf("a clear wire is stored as none")
		}
	}
	if w.TokenHash.IsZero() {
		return invalidf("a workshop needs its instructor's token hash")
	}
	return nil
}

// Validate checks a workshop update as Workshop.Validate checks the
// fields it sets; that LockedAfter is below the workshop's number of
// exercises is for the store to check.
func (u WorkshopUpdate) Validate() error {
	if u.LockedAfter != nil {
		if err := validateLockedAfter(*u.LockedAfter, MaxExercises); err != nil {
			return err
		}
	}
	if u.Title != nil {
		if err := ValidateText("title", *u.Title, MaxTitleLen); err != nil {
			return err
		}
	}
	if u.Peers != nil {
		if _, err := ParsePeers(string(*u.Peers)); err != nil {
			return err
		}
	}
	if u.Wire != nil {
		if err := u.Wire.Check(); err != nil {
			return invalidf("the wire: %v", err)
		}
	}
	return nil
}

// ValidateMessage checks the instructor's message to the class: "" (none)
// or a line as ValidateText, of at most MaxMessageLen characters.
func ValidateMessage(text string) error {
	if text == "" {
		return nil
	}
	return ValidateText("message", text, MaxMessageLen)
}

// ValidateHandMessage checks a hand's message: "" or a line as
// ValidateText, of at most MaxHandLen characters.
func ValidateHandMessage(text string) error {
	if text == "" {
		return nil
	}
	return ValidateText("message", text, MaxHandLen)
}

// WireColumn is how a store keeps a workshop's wire: JSON, or nil (SQL
// NULL) for none.
func WireColumn(w *RoomWire) any {
	if w == nil || w.Clear() {
		return nil
	}
	b, _ := json.Marshal(w)
	return string(b)
}

// ParseWireColumn reads what WireColumn made: invalid is ErrInvalid.
func ParseWireColumn(col *string) (*RoomWire, error) {
	if col == nil {
		return nil, nil
	}
	var w RoomWire
	if err := json.Unmarshal([]byte(*col), &w); err != nil {
		return nil, invalidf("the stored wire: %v", err)
	}
	return &w, nil
}

// HasExercise reports whether id is one of the workshop's exercises.
func (w *Workshop) HasExercise(id string) bool {
	for _, e := range w.Exercises {
		if e == id {
			return true
		}
	}
	return false
}

// validateLockedAfter checks a workshop's LockedAfter against its
// number of exercises.
func validateLockedAfter(n, exercises int) error {
	if n < 0 || n >= exercises {
		return invalidf("locked after is %d, not 0 (nothing locked) to %d", n, exercises-1)
	}
	return nil
}

// Locked reports whether the exercise id is locked: it comes after the
// first LockedAfter of the workshop's exercises. An exercise that is not
// the workshop's is not locked (nor open: HasExercise says).
func (w *Workshop) Locked(id string) bool {
	if w.LockedAfter == 0 {
		return false
	}
	for i, e := range w.Exercises {
		if e == id {
			return i >= w.LockedAfter
		}
	}
	return false
}

// ValidateName checks a student's display name: 1 to MaxNameLen
// characters of any script, as ValidateText says.
func ValidateName(name string) error {
	return ValidateText("name", name, MaxNameLen)
}

// ValidateText checks a line of text a person typed (what says which
// field it is): valid UTF-8, 1 to max characters (runes), not only
// spaces, and no control characters (a line break, a NUL) or
// bidirectional overrides, which would garble the lines around it where
// it is shown. Anything else is kept exactly as given; showing it safely
// (escaping it in HTML) is the page's job.
func ValidateText(what, s string, max int) error {
	if s == "" {
		return invalidf("%s is empty", what)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", what)
	}
	n, blank := 0, true
	for _, r := range s {
		n++
		if isControl(r) {
			return invalidf("%s has a control character (%U)", what, r)
		}
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) {
			blank = false
		}
	}
	if n > max {
		return invalidf("%s has %d characters, more than %d", what, n, max)
	}
	if blank {
		return invalidf("%s is blank", what)
	}
	return nil
}

// isControl reports whether r is a control character (C0, DEL, C1) or a
// bidirectional embedding, override or isolate (U+202A to U+202E, U+2066
// to U+2069).
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7F && r < 0xA0) ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// validateExerciseID checks an exercise ID: lowercase letters, digits and
// dashes, 1 to MaxExerciseIDLen of them.
func validateExerciseID(id string) error {
	if id == "" || len(id) > MaxExerciseIDLen {
		return invalidf("exercise ID %q is not 1 to %d characters", id, MaxExerciseIDLen)
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return invalidf("exercise ID %q is not lowercase letters, digits and dashes", id)
		}
	}
	return nil
}

// Validate checks a progress record's fields; whether its exercise is
// one of the workshop's is for the store to check.
func (r ProgressRecord) Validate() error {
	if err := validateExerciseID(r.Exercise); err != nil {
		return err
	}
	if r.Step < 0 || r.Step >= MaxSteps {
		return invalidf("step %d is not 0 to %d", r.Step, MaxSteps-1)
	}
	switch r.Kind {
	case ProgressStep:
		if r.Answer != "" {
			return invalidf("a step record has no answer")
		}
	case ProgressAnswer:
		if err := ValidateText("answer", r.Answer, MaxAnswerLen); err != nil {
			return err
		}
	default:
		return invalidf("progress kind is %q, not %q or %q", r.Kind, ProgressStep, ProgressAnswer)
	}
	return nil
}

// StoreTime is a time as the stores keep it: in UTC, to the microsecond
// (PostgreSQL's precision), so that what is read back equals what was
// written.
func StoreTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
