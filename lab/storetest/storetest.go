// Package storetest is the test suite every lab.WorkshopStore passes, so
// that the SQLite and the PostgreSQL stores behave alike. It tests only
// through the interface.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Run runs the suite. open returns a new, empty store for one subtest
// (and closes it when the subtest ends, with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) lab.WorkshopStore) {
	tests := []struct {
		name string
		f    func(*testing.T, lab.WorkshopStore)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreateInvalid", testCreateInvalid},
		{"CodesAndCount", testCodesAndCount},
		{"NotFound", testNotFound},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"Pacing", testPacing},
		{"Wire", testWire},
		{"DeleteStudent", testDeleteStudent},
		{"List", testList},
		{"Message", testMessage},
		{"Spotlight", testSpotlight},
		{"Hands", testHands},
		{"AddStudent", testAddStudent},
		{"StudentsFull", testStudentsFull},
		{"HostileNames", testHostileNames},
		{"ConcurrentJoins", testConcurrentJoins},
		{"Touch", testTouch},
		{"Progress", testProgress},
		{"ProgressInvalid", testProgressInvalid},
		{"ProgressBound", testProgressBound},
		{"Canceled", testCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open(t)) })
	}
}

// Token is the instructor's or a student's token in these tests.
func token(s string) lab.TokenHash { return lab.HashToken("token of " + s) }

// create stores a valid workshop, changed first by change if it is not
// nil.
func create(t *testing.T, s lab.WorkshopStore, change func(*lab.Workshop)) *lab.Workshop {
	t.Helper()
	w := &lab.Workshop{
		Title:       "Networks 101",
		Exercises:   []string{"round-trip", "datagrams", "ports"},
		Peers:       lab.PeersNone,
		MaxStudents: 300,
		TokenHash:   token("instructor"),
	}
	if change != nil {
		change(w)
	}
	if err := s.CreateWorkshop(context.Background(), w); err != nil {
		t.Fatalf("CreateWorkshop: %v", err)
	}
	return w
}

// join adds a student to the workshop.
func join(t *testing.T, s lab.WorkshopStore, code, name string) *lab.Student {
	t.Helper()
	st := &lab.Student{Workshop: code, Name: name, TokenHash: token(code + " " + name)}
	if err := s.AddStudent(context.Background(), st); err != nil {
		t.Fatalf("AddStudent(%q): %v", name, err)
	}
	return st
}

// within checks that a time the store set is between two times of the
// test (to the store's precision).
func within(t *testing.T, what string, got, before, after time.Time) {
	t.Helper()
	if got.Before(lab.StoreTime(before)) || got.After(after) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want in UTC between %v and %v", what, got, before, after)
	}
}

func sameWorkshop(t *testing.T, got, want *lab.Workshop) {
	t.Helper()
	if got.Code != want.Code || got.Title != want.Title || !slices.Equal(got.Exercises, want.Exercises) ||
		got.Peers != want.Peers || got.MaxStudents != want.MaxStudents || got.LockedAfter != want.LockedAfter || got.TokenHash != want.TokenHash ||
		(got.Wire == nil) != (want.Wire == nil) || got.Wire != nil && *got.Wire != *want.Wire ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("workshop is\n%+v\nwant\n%+v", got, want)
	}
}

func sameStudent(t *testing.T, got, want *lab.Student) {
	t.Helper()
	if got.ID != want.ID || got.Workshop != want.Workshop || got.Name != want.Name || got.Addr != want.Addr ||
		got.TokenHash != want.TokenHash || !got.JoinedAt.Equal(want.JoinedAt) || !got.LastSeen.Equal(want.LastSeen) {
		t.Errorf("student is\n%+v\nwant\n%+v", got, want)
	}
}

func sameRecords(t *testing.T, what string, got, want []lab.ProgressRecord) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.StudentID == w.StudentID && g.Exercise == w.Exercise && g.Step == w.Step && g.Kind == w.Kind &&
			g.Answer == w.Answer && g.At.Equal(w.At) && g.Confirmed == w.Confirmed
	}
	if !ok {
		t.Errorf("%s:\n%+v\nwant\n%+v", what, got, want)
	}
}

func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s = %v, want %v", what, err, kind)
	}
}

func testCreateAndGet(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	before := time.Now()
	w := create(t, s, func(w *lab.Workshop) { w.Peers = lab.PeersAll; w.Title = "Réseaux <b>101</b> — 第一" })
	after := time.Now()
	if code, err := lab.ParseCode(w.Code); code != w.Code || err != nil {
		t.Errorf("the store chose the code %q, not a join code (%v)", w.Code, err)
	}
	within(t, "CreatedAt", w.CreatedAt, before, after)
	if !w.UpdatedAt.Equal(w.CreatedAt) {
		t.Errorf("UpdatedAt = %v, want CreatedAt %v", w.UpdatedAt, w.CreatedAt)
	}
	got, err := s.Workshop(ctx, w.Code)
	if err != nil {
		t.Fatalf("Workshop: %v", err)
	}
	sameWorkshop(t, got, w)
}

func testCreateInvalid(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	for name, change := range map[string]func(*lab.Workshop){
		"no title":     func(w *lab.Workshop) { w.Title = "" },
		"long title":   func(w *lab.Workshop) { w.Title = strings.Repeat("é", lab.MaxTitleLen+1) },
		"control":      func(w *lab.Workshop) { w.Title = "two\nlines" },
		"no exercises": func(w *lab.Workshop) { w.Exercises = nil },
		"bad exercise": func(w *lab.Workshop) { w.Exercises = []string{"round-trip", "<script>"} },
		"peers":        func(w *lab.Workshop) { w.Peers = "everyone" },
		"max students": func(w *lab.Workshop) { w.MaxStudents = lab.MaxStudents + 1 },
		"no token":     func(w *lab.Workshop) { w.TokenHash = lab.TokenHash{} },
	} {
		w := &lab.Workshop{Title: "T", Exercises: []string{"round-trip"}, Peers: lab.PeersNone, MaxStudents: 1, TokenHash: token("i")}
		change(w)
		wantErr(t, name+": CreateWorkshop", s.CreateWorkshop(ctx, w), lab.ErrInvalid)
	}
	if n, err := s.CountWorkshops(ctx); n != 0 || err != nil {
		t.Errorf("CountWorkshops = %d, %v after only invalid ones; want 0", n, err)
	}
}

func testCodesAndCount(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	codes := map[string]bool{}
	for i := range 20 {
		w := create(t, s, nil)
		codes[w.Code] = true
		if n, err := s.CountWorkshops(ctx); n != i+1 || err != nil {
			t.Fatalf("CountWorkshops = %d, %v; want %d", n, err, i+1)
		}
	}
	if len(codes) != 20 {
		t.Errorf("20 workshops have %d codes", len(codes))
	}
}

func testNotFound(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	st := join(t, s, w.Code, "Ada")
	title := "x"
	for _, code := range []string{"", "ABCDEFGH", "<script>", strings.Repeat("Z", 10000), "abcd-efgh", lab.FormatCode(w.Code)} {
		if code == w.Code {
			continue
		}
		_, err := s.Workshop(ctx, code)
		wantErr(t, fmt.Sprintf("Workshop(%.20q)", code), err, lab.ErrNotFound)
		_, err = s.UpdateWorkshop(ctx, code, lab.WorkshopUpdate{Title: &title})
		wantErr(t, "UpdateWorkshop", err, lab.ErrNotFound)
		wantErr(t, "DeleteWorkshop", s.DeleteWorkshop(ctx, code), lab.ErrNotFound)
		wantErr(t, "AddStudent", s.AddStudent(ctx, &lab.Student{Workshop: code, Name: "Bo", TokenHash: token("bo")}), lab.ErrNotFound)
		_, err = s.Students(ctx, code)
		wantErr(t, "Students", err, lab.ErrNotFound)
		_, err = s.Progress(ctx, code)
		wantErr(t, "Progress", err, lab.ErrNotFound)
		_, err = s.StudentByToken(ctx, code, st.TokenHash)
		wantErr(t, "StudentByToken (another workshop's student)", err, lab.ErrNotFound)
	}
	_, err := s.StudentByToken(ctx, w.Code, token("nobody"))
	wantErr(t, "StudentByToken (unknown token)", err, lab.ErrNotFound)
	_, err = s.StudentByToken(ctx, w.Code, w.TokenHash)
	wantErr(t, "StudentByToken (the instructor's token)", err, lab.ErrNotFound)
	_, err = s.StudentProgress(ctx, st.ID+1000)
	wantErr(t, "StudentProgress", err, lab.ErrNotFound)
	wantErr(t, "TouchStudent", s.TouchStudent(ctx, st.ID+1000, time.Now()), lab.ErrNotFound)
	_, err = s.RecordProgress(ctx, lab.ProgressRecord{StudentID: st.ID + 1000, Exercise: "ports", Kind: lab.ProgressStep})
	wantErr(t, "RecordProgress", err, lab.ErrNotFound)
}

func testUpdate(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	other := create(t, s, nil)
	time.Sleep(2 * time.Millisecond) // so that UpdatedAt moves
	peers := lab.PeersAll
	before := time.Now()
	got, err := s.UpdateWorkshop(ctx, w.Code, lab.WorkshopUpdate{Peers: &peers})
	if err != nil {
		t.Fatalf("UpdateWorkshop(peers): %v", err)
	}
	within(t, "UpdatedAt", got.UpdatedAt, before, time.Now())
	want := *w
	want.Peers, want.UpdatedAt = lab.PeersAll, got.UpdatedAt
	sameWorkshop(t, got, &want)
	title := "Networks 102 🧪"
	if got, err = s.UpdateWorkshop(ctx, w.Code, lab.WorkshopUpdate{Title: &title}); err != nil {
		t.Fatalf("UpdateWorkshop(title): %v", err)
	}
	want.Title, want.UpdatedAt = title, got.UpdatedAt
	sameWorkshop(t, got, &want)
	if got, err = s.Workshop(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, &want)

	bad, badPeers := strings.Repeat("x", lab.MaxTitleLen+1), lab.Peers("some")
	for _, u := range []lab.WorkshopUpdate{{Title: &bad}, {Peers: &badPeers}, {Title: &title, Peers: &badPeers}} {
		_, err := s.UpdateWorkshop(ctx, w.Code, u)
		wantErr(t, "UpdateWorkshop(invalid)", err, lab.ErrInvalid)
	}
	if got, err = s.Workshop(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, &want)
	if got, err = s.Workshop(ctx, other.Code); err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, other)
}

func testDelete(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	keep := create(t, s, nil)
	gone := join(t, s, w.Code, "Ada")
	stays := join(t, s, keep.Code, "Ada")
	for _, st := range []*lab.Student{gone, stays} {
		if _, err := s.RecordProgress(ctx, lab.ProgressRecord{StudentID: st.ID, Exercise: "ports", Step: 1, Kind: lab.ProgressStep}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteWorkshop(ctx, w.Code); err != nil {
		t.Fatalf("DeleteWorkshop: %v", err)
	}
	_, err := s.Workshop(ctx, w.Code)
	wantErr(t, "Workshop after DeleteWorkshop", err, lab.ErrNotFound)
	_, err = s.StudentByToken(ctx, w.Code, gone.TokenHash)
	wantErr(t, "StudentByToken after DeleteWorkshop", err, lab.ErrNotFound)
	_, err = s.StudentProgress(ctx, gone.ID)
	wantErr(t, "StudentProgress after DeleteWorkshop", err, lab.ErrNotFound)
	wantErr(t, "TouchStudent after DeleteWorkshop", s.TouchStudent(ctx, gone.ID, time.Now()), lab.ErrNotFound)
	wantErr(t, "DeleteWorkshop again", s.DeleteWorkshop(ctx, w.Code), lab.ErrNotFound)
	if n, err := s.CountWorkshops(ctx); n != 1 || err != nil {
		t.Errorf("CountWorkshops = %d, %v; want 1", n, err)
	}
	// The other workshop is untouched.
	if got, err := s.StudentByToken(ctx, keep.Code, stays.TokenHash); err != nil {
		t.Errorf("the other workshop's student: %v", err)
	} else {
		sameStudent(t, got, stays)
	}
	if recs, err := s.Progress(ctx, keep.Code); len(recs) != 1 || err != nil {
		t.Errorf("the other workshop's progress: %d records, %v; want 1", len(recs), err)
	}
	// A student with the deleted student's token may join another workshop.
	again := &lab.Student{Workshop: keep.Code, Name: "Ada again", TokenHash: gone.TokenHash}
	if err := s.AddStudent(ctx, again); err != nil {
		t.Errorf("AddStudent with a deleted student's token: %v", err)
	}
}

// testPacing: a workshop's LockedAfter is kept from its creation,
// changed live, and refused out of its exercises' range.
func testPacing(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, func(w *lab.Workshop) { w.LockedAfter = 2 })
	got, err := s.Workshop(ctx, w.Code)
	if err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, w)
	if !got.Locked("ports") || got.Locked("datagrams") || got.Locked("round-trip") {
		t.Errorf("locked after 2 of %v: Locked is %v %v %v, want false false true", got.Exercises,
			got.Locked("round-trip"), got.Locked("datagrams"), got.Locked("ports"))
	}
	want := *w
	for _, n := range []int{1, 0} {
		got, err := s.UpdateWorkshop(ctx, w.Code, lab.WorkshopUpdate{LockedAfter: &n})
		if err != nil {
			t.Fatalf("UpdateWorkshop(locked after %d): %v", n, err)
		}
		want.LockedAfter, want.UpdatedAt = n, got.UpdatedAt
		sameWorkshop(t, got, &want)
	}
	for _, n := range []int{3, -1, lab.MaxExercises} {
		_, err := s.UpdateWorkshop(ctx, w.Code, lab.WorkshopUpdate{LockedAfter: &n})
		wantErr(t, fmt.Sprintf("UpdateWorkshop(locked after %d of 3)", n), err, lab.ErrInvalid)
	}
	if got, err = s.Workshop(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, &want)
	one := 1
	_, err = s.UpdateWorkshop(ctx, "NOSUCHWK", lab.WorkshopUpdate{LockedAfter: &one})
	wantErr(t, "UpdateWorkshop(no such workshop)", err, lab.ErrNotFound)
	bad := &lab.Workshop{Title: "T", Exercises: []string{"round-trip"}, Peers: lab.PeersNone, MaxStudents: 1, LockedAfter: 1, TokenHash: token("i")}
	wantErr(t, "CreateWorkshop(locked after all)", s.CreateWorkshop(ctx, bad), lab.ErrInvalid)
}

// testWire: a workshop's wire is kept from its creation, set, kept
// through other changes, taken down by a clear one, and refused out of
// its bounds.
func testWire(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	lossy := &lab.RoomWire{WireDirs: lab.WireDirs{Out: lab.WireSettings{Loss: 0.3, Delay: 200 * time.Millisecond, Jitter: time.Millisecond}, In: lab.WireSettings{Rate: 64000}}, Seed: lab.MaxWireSeed}
	w := create(t, s, func(w *lab.Workshop) { w.Wire = lossy })
	got, err := s.Workshop(ctx, w.Code)
	if err != nil {
		t.Fatal(err)
	}
	sameWorkshop(t, got, w)
	want := *w
	title := "Still lossy"
	for _, upd := range []lab.WorkshopUpdate{
		{Wire: &lab.RoomWire{WireDirs: lab.WireSettings{Duplicate: 1}.Both()}},
		{Title: &title},
		{Wire: &lab.RoomWire{}},
		{Wire: lossy},
	} {
		got, err := s.UpdateWorkshop(ctx, w.Code, upd)
		if err != nil {
			t.Fatalf("UpdateWorkshop(%+v): %v", upd, err)
		}
		if upd.Title != nil {
			want.Title = *upd.Title
		}
		if upd.Wire != nil {
			want.Wire = upd.Wire
			if upd.Wire.Clear() {
				want.Wire = nil
			}
		}
		want.UpdatedAt = got.UpdatedAt
		sameWorkshop(t, got, &want)
		if got, err = s.Workshop(ctx, w.Code); err != nil {
			t.Fatal(err)
		}
		sameWorkshop(t, got, &want)
	}
	for _, bad := range []*lab.RoomWire{
		{WireDirs: lab.WireSettings{Hold: true}.Both()},
		{WireDirs: lab.WireDirs{In: lab.WireSettings{Loss: 2}}},
		{Seed: lab.MaxWireSeed + 1},
	} {
		_, err := s.UpdateWorkshop(ctx, w.Code, lab.WorkshopUpdate{Wire: bad})
		wantErr(t, fmt.Sprintf("UpdateWorkshop(wire %+v)", bad), err, lab.ErrInvalid)
		b := &lab.Workshop{Title: "T", Exercises: []string{"round-trip"}, Peers: lab.PeersNone, MaxStudents: 1, Wire: bad, TokenHash: token("j")}
		wantErr(t, "CreateWorkshop(a bad wire)", s.CreateWorkshop(ctx, b), lab.ErrInvalid)
	}
	clear := &lab.Workshop{Title: "T", Exercises: []string{"round-trip"}, Peers: lab.PeersNone, MaxStudents: 1, Wire: &lab.RoomWire{}, TokenHash: token("k")}
	wantErr(t, "CreateWorkshop(a clear wire)", s.CreateWorkshop(ctx, clear), lab.ErrInvalid)
}

// testDeleteStudent: one student goes with their progress; the others,
// and other workshops, stay; the address is never given again.
func testDeleteStudent(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, func(w *lab.Workshop) { w.MaxStudents = 2 })
	other := create(t, s, nil)
	ada, bob := join(t, s, w.Code, "Ada"), join(t, s, w.Code, "Bob")
	elsewhere := join(t, s, other.Code, "Cy")
	for _, st := range []*lab.Student{ada, bob, elsewhere} {
		if _, err := s.RecordProgress(ctx, lab.ProgressRecord{StudentID: st.ID, Exercise: "ports", Step: 0, Kind: lab.ProgressStep}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "DeleteStudent(another workshop's)", s.DeleteStudent(ctx, w.Code, elsewhere.ID), lab.ErrNotFound)
	wantErr(t, "DeleteStudent(no such workshop)", s.DeleteStudent(ctx, "NOSUCHWK", ada.ID), lab.ErrNotFound)
	if err := s.DeleteStudent(ctx, w.Code, bob.ID); err != nil {
		t.Fatalf("DeleteStudent: %v", err)
	}
	wantErr(t, "DeleteStudent again", s.DeleteStudent(ctx, w.Code, bob.ID), lab.ErrNotFound)
	_, err := s.StudentByToken(ctx, w.Code, bob.TokenHash)
	wantErr(t, "StudentByToken after DeleteStudent", err, lab.ErrNotFound)
	_, err = s.StudentProgress(ctx, bob.ID)
	wantErr(t, "StudentProgress after DeleteStudent", err, lab.ErrNotFound)
	_, err = s.RecordProgress(ctx, lab.ProgressRecord{StudentID: bob.ID, Exercise: "ports", Step: 1, Kind: lab.ProgressStep})
	wantErr(t, "RecordProgress after DeleteStudent", err, lab.ErrNotFound)
	students, err := s.Students(ctx, w.Code)
	if err != nil || len(students) != 1 {
		t.Fatalf("Students after DeleteStudent = %d, %v; want Ada only", len(students), err)
	}
	sameStudent(t, students[0], ada)
	recs, err := s.Progress(ctx, w.Code)
	if err != nil || len(recs) != 1 || recs[0].StudentID != ada.ID {
		t.Errorf("Progress after DeleteStudent = %+v, %v; want Ada's one record", recs, err)
	}
	if recs, err := s.Progress(ctx, other.Code); err != nil || len(recs) != 1 {
		t.Errorf("the other workshop's progress = %d records, %v; want 1", len(recs), err)
	}
	// Bob's seat is free again, but not his address.
	dan := join(t, s, w.Code, "Dan")
	if dan.Addr != lab.StudentAddr(3) {
		t.Errorf("the student after a deleted one is at %v, want %v (the deleted student's %v is not given again)", dan.Addr, lab.StudentAddr(3), bob.Addr)
	}
}

func testList(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	if all, err := s.ListWorkshops(ctx); err != nil || len(all) != 0 {
		t.Fatalf("ListWorkshops of none = %v, %v", all, err)
	}
	older := create(t, s, func(w *lab.Workshop) { w.Title = "Older" })
	newer := create(t, s, func(w *lab.Workshop) { w.Title = "Newer" })
	join(t, s, older.Code, "Ada")
	bob := join(t, s, older.Code, "Bob")
	seen := time.Now().Add(time.Hour)
	if err := s.TouchStudent(ctx, bob.ID, seen); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListWorkshops(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("ListWorkshops = %d, %v; want 2", len(all), err)
	}
	// Newest first; created in the same microsecond, the later first.
	sameWorkshop(t, all[0].Workshop, newer)
	sameWorkshop(t, all[1].Workshop, older)
	if all[0].Students != 0 || !all[0].LastActivity.Equal(newer.CreatedAt) {
		t.Errorf("the new workshop: %d students, last activity %v; want 0, its creation %v", all[0].Students, all[0].LastActivity, newer.CreatedAt)
	}
	if all[1].Students != 2 || !all[1].LastActivity.Equal(lab.StoreTime(seen)) {
		t.Errorf("the older workshop: %d students, last activity %v; want 2, Bob's last seen %v", all[1].Students, all[1].LastActivity, lab.StoreTime(seen))
	}
}

func testMessage(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	other := create(t, s, nil)
	if c, err := s.Class(ctx, w.Code); err != nil || c.Message != "" || !c.MessageAt.IsZero() || c.Spotlight != nil || len(c.Hands) != 0 {
		t.Fatalf("a new workshop's class = %+v, %v; want nothing set", c, err)
	}
	before := time.Now()
	at, err := s.SetMessage(ctx, w.Code, "Stop at exercise 3 — 停")
	if err != nil {
		t.Fatalf("SetMessage: %v", err)
	}
	within(t, "the message's time", at, before, time.Now())
	c, err := s.Class(ctx, w.Code)
	if err != nil || c.Message != "Stop at exercise 3 — 停" || !c.MessageAt.Equal(at) {
		t.Errorf("Class after SetMessage = %+v, %v; want the message at %v", c, err, at)
	}
	if c, _ := s.Class(ctx, other.Code); c.Message != "" {
		t.Errorf("another workshop's message = %q, want none", c.Message)
	}
	for _, bad := range []string{"two\nlines", strings.Repeat("x", lab.MaxMessageLen+1), "   "} {
		_, err := s.SetMessage(ctx, w.Code, bad)
		wantErr(t, fmt.Sprintf("SetMessage(%.20q)", bad), err, lab.ErrInvalid)
	}
	_, err = s.SetMessage(ctx, "NOSUCHWK", "hello")
	wantErr(t, "SetMessage(no such workshop)", err, lab.ErrNotFound)
	if _, err := s.SetMessage(ctx, w.Code, ""); err != nil {
		t.Fatalf("SetMessage(\"\"): %v", err)
	}
	if c, _ := s.Class(ctx, w.Code); c.Message != "" || !c.MessageAt.IsZero() {
		t.Errorf("after the message is taken down: %q at %v, want none", c.Message, c.MessageAt)
	}
	_, err = s.Class(ctx, "NOSUCHWK")
	wantErr(t, "Class(no such workshop)", err, lab.ErrNotFound)
}

func testSpotlight(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	other := create(t, s, nil)
	ada, bob := join(t, s, w.Code, "Ada"), join(t, s, w.Code, "Bob")
	cy := join(t, s, other.Code, "Cy")
	spotlight := func(want *lab.Spotlight) {
		t.Helper()
		c, err := s.Class(ctx, w.Code)
		if err != nil || (c.Spotlight == nil) != (want == nil) || c.Spotlight != nil && *c.Spotlight != *want {
			t.Errorf("spotlight = %+v, %v; want %+v", c.Spotlight, err, want)
		}
	}
	if err := s.SetSpotlight(ctx, w.Code, &lab.Spotlight{Student: ada.ID}); err != nil {
		t.Fatalf("SetSpotlight: %v", err)
	}
	spotlight(&lab.Spotlight{Student: ada.ID})
	if err := s.SetSpotlight(ctx, w.Code, &lab.Spotlight{Student: bob.ID, ShowName: true}); err != nil {
		t.Fatalf("SetSpotlight on another: %v", err)
	}
	spotlight(&lab.Spotlight{Student: bob.ID, ShowName: true})
	wantErr(t, "SetSpotlight(another workshop's student)", s.SetSpotlight(ctx, w.Code, &lab.Spotlight{Student: cy.ID}), lab.ErrNotFound)
	spotlight(&lab.Spotlight{Student: bob.ID, ShowName: true})
	wantErr(t, "SetSpotlight(no such workshop)", s.SetSpotlight(ctx, "NOSUCHWK", nil), lab.ErrNotFound)
	if err := s.DeleteStudent(ctx, w.Code, bob.ID); err != nil {
		t.Fatal(err)
	}
	spotlight(nil) // it went with Bob
	if err := s.SetSpotlight(ctx, w.Code, &lab.Spotlight{Student: ada.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSpotlight(ctx, w.Code, nil); err != nil {
		t.Fatalf("SetSpotlight(nil): %v", err)
	}
	spotlight(nil)
	if err := s.SetSpotlight(ctx, w.Code, &lab.Spotlight{Student: ada.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWorkshop(ctx, w.Code); err != nil {
		t.Fatalf("DeleteWorkshop with a spotlight on: %v", err)
	}
}

func testHands(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	other := create(t, s, nil)
	ada, bob, cy := join(t, s, w.Code, "Ada"), join(t, s, w.Code, "Bob"), join(t, s, w.Code, "Cy")
	dee := join(t, s, other.Code, "Dee")
	queue := func(want ...string) []lab.Hand {
		t.Helper()
		c, err := s.Class(ctx, w.Code)
		if err != nil {
			t.Fatalf("Class: %v", err)
		}
		var got []string
		for _, h := range c.Hands {
			got = append(got, fmt.Sprintf("%s:%s:%v", h.Name, h.Message, h.Coming))
		}
		if !slices.Equal(got, want) {
			t.Errorf("hands = %q, want %q", got, want)
		}
		return c.Hands
	}
	before := time.Now()
	for _, st := range []*lab.Student{bob, ada, cy} {
		if err := s.RaiseHand(ctx, w.Code, st.ID, "help "+st.Name); err != nil {
			t.Fatalf("RaiseHand(%s): %v", st.Name, err)
		}
	}
	hands := queue("Bob:help Bob:false", "Ada:help Ada:false", "Cy:help Cy:false")
	within(t, "a hand's time", hands[0].At, before, time.Now())
	// Again: a new message, the same place.
	if err := s.RaiseHand(ctx, w.Code, bob.ID, ""); err != nil {
		t.Fatal(err)
	}
	queue("Bob::false", "Ada:help Ada:false", "Cy:help Cy:false")
	wantErr(t, "RaiseHand(another workshop's student)", s.RaiseHand(ctx, w.Code, dee.ID, ""), lab.ErrNotFound)
	wantErr(t, "RaiseHand(a long message)", s.RaiseHand(ctx, w.Code, ada.ID, strings.Repeat("x", lab.MaxHandLen+1)), lab.ErrInvalid)
	if student, err := s.MarkHand(ctx, w.Code, hands[1].ID, false); err != nil || student != ada.ID {
		t.Errorf("MarkHand(Ada's, coming) = %d, %v; want %d", student, err, ada.ID)
	}
	queue("Bob::false", "Ada:help Ada:true", "Cy:help Cy:false")
	_, err := s.MarkHand(ctx, other.Code, hands[1].ID, true)
	wantErr(t, "MarkHand(through another workshop)", err, lab.ErrNotFound)
	if student, err := s.MarkHand(ctx, w.Code, hands[1].ID, true); err != nil || student != ada.ID {
		t.Errorf("MarkHand(Ada's, done) = %d, %v; want %d", student, err, ada.ID)
	}
	_, err = s.MarkHand(ctx, w.Code, hands[1].ID, true)
	wantErr(t, "MarkHand(a hand down)", err, lab.ErrNotFound)
	wantErr(t, "LowerHand(Ada's, down)", s.LowerHand(ctx, w.Code, ada.ID), lab.ErrNotFound)
	wantErr(t, "LowerHand(through another workshop)", s.LowerHand(ctx, other.Code, cy.ID), lab.ErrNotFound)
	if err := s.LowerHand(ctx, w.Code, cy.ID); err != nil {
		t.Fatalf("LowerHand: %v", err)
	}
	// Raised again: the end of the queue.
	if err := s.RaiseHand(ctx, w.Code, ada.ID, "again"); err != nil {
		t.Fatal(err)
	}
	queue("Bob::false", "Ada:again:false")
	if err := s.DeleteStudent(ctx, w.Code, bob.ID); err != nil {
		t.Fatal(err)
	}
	queue("Ada:again:false")
	if err := s.DeleteWorkshop(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Class(ctx, other.Code); err != nil || len(c.Hands) != 0 {
		t.Errorf("the other workshop's hands = %+v, %v; want none", c, err)
	}
}

func testAddStudent(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	other := create(t, s, nil)
	before := time.Now()
	ada := join(t, s, w.Code, "Ada")
	bo := join(t, s, w.Code, "Bo")
	after := time.Now()
	first := join(t, s, other.Code, "Cy")
	for _, c := range []struct {
		st   *lab.Student
		addr string
	}{{ada, "10.0.1.1"}, {bo, "10.0.1.2"}, {first, "10.0.1.1"}} {
		if c.st.Addr != netip.MustParseAddr(c.addr) {
			t.Errorf("%s's address is %v, want %s", c.st.Name, c.st.Addr, c.addr)
		}
	}
	if ada.ID == bo.ID || bo.ID == first.ID || ada.ID == first.ID {
		t.Errorf("students' IDs are not distinct: %d %d %d", ada.ID, bo.ID, first.ID)
	}
	within(t, "JoinedAt", ada.JoinedAt, before, after)
	if !ada.LastSeen.Equal(ada.JoinedAt) {
		t.Errorf("LastSeen = %v, want JoinedAt %v", ada.LastSeen, ada.JoinedAt)
	}
	got, err := s.StudentByToken(ctx, w.Code, bo.TokenHash)
	if err != nil {
		t.Fatalf("StudentByToken: %v", err)
	}
	sameStudent(t, got, bo)
	list, err := s.Students(ctx, w.Code)
	if err != nil || len(list) != 2 {
		t.Fatalf("Students = %d students, %v; want 2", len(list), err)
	}
	sameStudent(t, list[0], ada)
	sameStudent(t, list[1], bo)
	empty := create(t, s, nil)
	if list, err := s.Students(ctx, empty.Code); len(list) != 0 || err != nil {
		t.Errorf("Students of a new workshop = %v, %v", list, err)
	}

	dup := &lab.Student{Workshop: w.Code, Name: "Eve", TokenHash: ada.TokenHash}
	wantErr(t, "AddStudent with another student's token", s.AddStudent(ctx, dup), lab.ErrConflict)
	dup.Workshop = other.Code
	wantErr(t, "AddStudent with another workshop's student's token", s.AddStudent(ctx, dup), lab.ErrConflict)
	wantErr(t, "AddStudent without a token", s.AddStudent(ctx, &lab.Student{Workshop: w.Code, Name: "Eve"}), lab.ErrInvalid)
	wantErr(t, "AddStudent without a name", s.AddStudent(ctx, &lab.Student{Workshop: w.Code, TokenHash: token("eve")}), lab.ErrInvalid)
	if list, _ := s.Students(ctx, w.Code); len(list) != 2 {
		t.Errorf("refused students were added: %d students", len(list))
	}
	// The next student gets the next address: the refused took none.
	if dan := join(t, s, w.Code, "Dan"); dan.Addr != netip.MustParseAddr("10.0.1.3") {
		t.Errorf("the third student's address is %v, want 10.0.1.3", dan.Addr)
	}
}

func testStudentsFull(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, func(w *lab.Workshop) { w.MaxStudents = 3 })
	for _, name := range []string{"A", "B", "C"} {
		join(t, s, w.Code, name)
	}
	err := s.AddStudent(ctx, &lab.Student{Workshop: w.Code, Name: "D", TokenHash: token("D")})
	wantErr(t, "AddStudent beyond MaxStudents", err, lab.ErrFull)
	if err != nil && !strings.Contains(err.Error(), "3") {
		t.Errorf("the error %q does not say the bound", err)
	}
}

// hostileNames are names a browser may send; each is refused with
// ErrInvalid or stored exactly as given.
var hostileNames = []string{
	"<b>bold</b>", "<script>alert(1)</script>", "Robert'); DROP TABLE students;--", `"quoted" \back\`,
	"王小明", "محمد", "Ἀριστοτέλης", "👩🏽‍💻 dev", "नमस्ते", "Zoë", "e\u0301", "a\u200db", "%s%d%n", "${jndi:x}",
	"  spaces  ", strings.Repeat("é", lab.MaxNameLen), strings.Repeat("😀", lab.MaxNameLen),
	// refused:
	"", "   ", "\u200b", strings.Repeat("a", lab.MaxNameLen+1), strings.Repeat("😀", lab.MaxNameLen+1),
	"nul\x00byte", "line\nbreak", "cr\r", "tab\t", "esc\x1b[31m", "del\x7f", "c1\u009b", "rlo\u202eevil",
	"\xff\xfe", "trunc\xe4\xb8", "\xc0\xaf", "surrogate\xed\xa0\x80",
}

func testHostileNames(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	for i, name := range hostileNames {
		st := &lab.Student{Workshop: w.Code, Name: name, TokenHash: token(fmt.Sprint(i))}
		err := s.AddStudent(ctx, st)
		if err != nil {
			wantErr(t, fmt.Sprintf("AddStudent(%q)", name), err, lab.ErrInvalid)
			if lab.ValidateName(name) == nil {
				t.Errorf("AddStudent(%q) = %v, but the name is valid", name, err)
			}
			continue
		}
		got, err := s.StudentByToken(ctx, w.Code, st.TokenHash)
		if err != nil {
			t.Fatalf("StudentByToken: %v", err)
		}
		if got.Name != name {
			t.Errorf("stored %q, read back %q", name, got.Name)
		}
	}
	list, err := s.Students(ctx, w.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if lab.ValidateName(st.Name) != nil {
			t.Errorf("stored the invalid name %q", st.Name)
		}
	}
}

func testConcurrentJoins(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	const n = 50
	w := create(t, s, nil)
	other := create(t, s, nil)
	students := make([]*lab.Student, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range students {
		code := w.Code
		if i%2 == 1 {
			code = other.Code
		}
		students[i] = &lab.Student{Workshop: code, Name: fmt.Sprint("Student ", i), TokenHash: token(fmt.Sprint(i))}
		wg.Go(func() { errs[i] = s.AddStudent(ctx, students[i]) })
	}
	wg.Wait()
	addrs := map[string]map[netip.Addr]bool{w.Code: {}, other.Code: {}}
	ids := map[int64]bool{}
	for i, st := range students {
		if errs[i] != nil {
			t.Fatalf("AddStudent %d: %v", i, errs[i])
		}
		if addrs[st.Workshop][st.Addr] || ids[st.ID] {
			t.Errorf("student %d has the address %v or the ID %d of another", i, st.Addr, st.ID)
		}
		addrs[st.Workshop][st.Addr], ids[st.ID] = true, true
	}
	for code, set := range addrs {
		for k := 1; k <= n; k++ {
			if !set[lab.StudentAddr(k)] {
				t.Errorf("workshop %s: no student has %v: the addresses are not 10.0.1.1 to 10.0.1.%d", code, lab.StudentAddr(k), n)
			}
		}
		list, err := s.Students(ctx, code)
		if err != nil || len(list) != n {
			t.Errorf("Students = %d, %v; want %d", len(list), err, n)
		}
	}
}

func testTouch(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	st := join(t, s, w.Code, "Ada")
	later := st.JoinedAt.Add(90 * time.Minute)
	for _, at := range []time.Time{later, st.JoinedAt.Add(time.Minute), st.JoinedAt.Add(-time.Hour)} {
		if err := s.TouchStudent(ctx, st.ID, at); err != nil {
			t.Fatalf("TouchStudent: %v", err)
		}
	}
	got, err := s.StudentByToken(ctx, w.Code, st.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastSeen.Equal(later) || !got.JoinedAt.Equal(st.JoinedAt) {
		t.Errorf("after touches LastSeen = %v, JoinedAt = %v; want %v, %v (LastSeen never moves back)", got.LastSeen, got.JoinedAt, later, st.JoinedAt)
	}
}

func testProgress(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	ada := join(t, s, w.Code, "Ada")
	bo := join(t, s, w.Code, "Bo")
	t0 := lab.StoreTime(time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.FixedZone("CET", 3600)))
	record := func(r lab.ProgressRecord) lab.ProgressRecord {
		t.Helper()
		got, err := s.RecordProgress(ctx, r)
		if err != nil {
			t.Fatalf("RecordProgress(%+v): %v", r, err)
		}
		return got
	}

	step := lab.ProgressRecord{StudentID: ada.ID, Exercise: "round-trip", Step: 2, Kind: lab.ProgressStep, At: t0}
	if got := record(step); !got.At.Equal(t0) || got.Confirmed {
		t.Errorf("first record = %+v", got)
	}
	// The same step again, later, is the same record.
	again := step
	again.At = t0.Add(time.Minute)
	if got := record(again); !got.At.Equal(t0) || got.Confirmed {
		t.Errorf("the same step again = %+v, want the first record", got)
	}
	// The server confirms it: the record is upgraded, its time kept.
	confirmed := again
	confirmed.Confirmed = true
	if got := record(confirmed); !got.At.Equal(t0) || !got.Confirmed {
		t.Errorf("confirmed = %+v, want the first record, confirmed", got)
	}
	// The browser says it again: it stays confirmed.
	if got := record(again); !got.Confirmed {
		t.Errorf("an unconfirmed report after a confirmed one = %+v, want it confirmed still", got)
	}
	// An answer to the same step is a record of its own; a second
	// answer does not replace the first.
	answer := lab.ProgressRecord{StudentID: ada.ID, Exercise: "round-trip", Step: 2, Kind: lab.ProgressAnswer, Answer: "49152", At: t0.Add(time.Second)}
	record(answer)
	other := answer
	other.Answer, other.At = "49153", t0.Add(time.Hour)
	if got := record(other); got.Answer != "49152" || !got.At.Equal(answer.At) {
		t.Errorf("a second answer = %+v, want the first kept", got)
	}
	// A record without a time is stamped now.
	before := time.Now()
	now := record(lab.ProgressRecord{StudentID: bo.ID, Exercise: "ports", Step: 0, Kind: lab.ProgressStep, Confirmed: true})
	within(t, "At of a record without one", now.At, before, time.Now())
	first := record(lab.ProgressRecord{StudentID: ada.ID, Exercise: "datagrams", Step: 0, Kind: lab.ProgressStep, At: t0.Add(-time.Hour)})

	wantAda := []lab.ProgressRecord{
		{StudentID: ada.ID, Exercise: "round-trip", Step: 2, Kind: lab.ProgressStep, At: t0, Confirmed: true},
		answer,
		first,
	}
	got, err := s.StudentProgress(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameRecords(t, "Ada's progress", got, wantAda)
	if got, err = s.StudentProgress(ctx, bo.ID); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, "Bo's progress", got, []lab.ProgressRecord{now})
	if got, err = s.Progress(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, "the workshop's progress", got, append(wantAda, now))
	newcomer := join(t, s, w.Code, "Cy")
	if got, err := s.StudentProgress(ctx, newcomer.ID); len(got) != 0 || err != nil {
		t.Errorf("a new student's progress = %v, %v", got, err)
	}
}

func testProgressInvalid(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	w := create(t, s, nil)
	st := join(t, s, w.Code, "Ada")
	for name, r := range map[string]lab.ProgressRecord{
		"another exercise": {Exercise: "names", Kind: lab.ProgressStep},
		"bad exercise":     {Exercise: "round-trip'--", Kind: lab.ProgressStep},
		"negative step":    {Exercise: "ports", Step: -1, Kind: lab.ProgressStep},
		"step too far":     {Exercise: "ports", Step: lab.MaxSteps, Kind: lab.ProgressStep},
		"kind":             {Exercise: "ports", Kind: "done"},
		"no answer":        {Exercise: "ports", Kind: lab.ProgressAnswer},
		"long answer":      {Exercise: "ports", Kind: lab.ProgressAnswer, Answer: strings.Repeat("1", lab.MaxAnswerLen+1)},
		"control answer":   {Exercise: "ports", Kind: lab.ProgressAnswer, Answer: "1\x00"},
	} {
		r.StudentID = st.ID
		_, err := s.RecordProgress(ctx, r)
		wantErr(t, name+": RecordProgress", err, lab.ErrInvalid)
	}
	if got, err := s.StudentProgress(ctx, st.ID); len(got) != 0 || err != nil {
		t.Errorf("after invalid records: %v, %v", got, err)
	}
}

// testProgressBound fills a student's progress to MaxProgress from many
// goroutines at once: the bound holds, and merging into a record kept
// still works at the bound.
func testProgressBound(t *testing.T, s lab.WorkshopStore) {
	ctx := context.Background()
	exercises := make([]string, (lab.MaxProgress+lab.MaxSteps-1)/lab.MaxSteps+1)
	for i := range exercises {
		exercises[i] = fmt.Sprintf("exercise-%d", i)
	}
	w := create(t, s, func(w *lab.Workshop) { w.Exercises = exercises })
	st := join(t, s, w.Code, "Ada")
	other := join(t, s, w.Code, "Bo")
	const workers = 8
	total := lab.MaxProgress + 2*workers
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored, full := 0, 0
	for k := range workers {
		wg.Go(func() {
			for i := k; i < total; i += workers {
				r := lab.ProgressRecord{StudentID: st.ID, Exercise: exercises[i/lab.MaxSteps], Step: i % lab.MaxSteps, Kind: lab.ProgressStep}
				_, err := s.RecordProgress(ctx, r)
				mu.Lock()
				switch {
				case err == nil:
					stored++
				case errors.Is(err, lab.ErrFull):
					full++
				default:
					t.Errorf("RecordProgress: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if stored != lab.MaxProgress || full != total-lab.MaxProgress {
		t.Errorf("%d records stored and %d refused as full, want %d and %d", stored, full, lab.MaxProgress, total-lab.MaxProgress)
	}
	recs, err := s.StudentProgress(ctx, st.ID)
	if err != nil || len(recs) != lab.MaxProgress {
		t.Fatalf("StudentProgress = %d records, %v; want %d", len(recs), err, lab.MaxProgress)
	}
	up := recs[0]
	up.Confirmed = true
	if got, err := s.RecordProgress(ctx, up); err != nil || !got.Confirmed {
		t.Errorf("confirming a record at the bound = %+v, %v", got, err)
	}
	// The bound is per student.
	if _, err := s.RecordProgress(ctx, lab.ProgressRecord{StudentID: other.ID, Exercise: exercises[0], Kind: lab.ProgressStep}); err != nil {
		t.Errorf("another student's record: %v", err)
	}
}

func testCanceled(t *testing.T, s lab.WorkshopStore) {
	w := create(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Workshop(ctx, w.Code)
	wantErr(t, "Workshop with a canceled context", err, context.Canceled)
	err = s.AddStudent(ctx, &lab.Student{Workshop: w.Code, Name: "Ada", TokenHash: token("ada")})
	wantErr(t, "AddStudent with a canceled context", err, context.Canceled)
	if list, err := s.Students(context.Background(), w.Code); len(list) != 0 || err != nil {
		t.Errorf("Students = %d, %v after a canceled AddStudent; want none", len(list), err)
	}
}

// BenchmarkRecordProgress measures RecordProgress: each operation a new
// record, acknowledged (on disk) when it returns. Records go to students
// in turn, a new student every lab.MaxProgress records.
func BenchmarkRecordProgress(b *testing.B, s lab.WorkshopStore) {
	ctx := context.Background()
	exercises := make([]string, lab.MaxExercises)
	for i := range exercises {
		exercises[i] = fmt.Sprintf("exercise-%d", i)
	}
	w := &lab.Workshop{Title: "Benchmark", Exercises: exercises, Peers: lab.PeersNone, MaxStudents: lab.MaxStudents, TokenHash: token("bench")}
	if err := s.CreateWorkshop(ctx, w); err != nil {
		b.Fatal(err)
	}
	var st *lab.Student
	b.ResetTimer()
	for i := range b.N {
		if i%lab.MaxProgress == 0 {
			b.StopTimer()
			st = &lab.Student{Workshop: w.Code, Name: "Student", TokenHash: token(fmt.Sprint(i))}
			if err := s.AddStudent(ctx, st); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		k := i % lab.MaxProgress
		r := lab.ProgressRecord{StudentID: st.ID, Exercise: exercises[k/lab.MaxSteps], Step: k % lab.MaxSteps, Kind: lab.ProgressStep}
		if _, err := s.RecordProgress(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
