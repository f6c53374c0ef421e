package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/socketlab/socketlab/lab"
)

// codeTries is how many join codes CreateWorkshop draws before giving up:
// with 30^8 codes, a second draw is already rare.
const codeTries = 10

const workshopColumns = `code, title, exercises, peers, max_students, locked_after, wire, token_hash, created_at, updated_at`

// CreateWorkshop implements lab.WorkshopStore.
func (db *DB) CreateWorkshop(ctx context.Context, w *lab.Workshop) (err error) {
	defer wrap(&err, "create workshop")
	if err := w.Validate(); err != nil {
		return err
	}
	now := lab.StoreTime(db.now())
	for range codeTries {
		code := db.newCode()
		_, err := db.pool.Exec(ctx, `INSERT INTO workshops (`+workshopColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			code, w.Title, w.Exercises, string(w.Peers), w.MaxStudents, w.LockedAfter, lab.WireColumn(w.Wire), w.TokenHash[:], now)
		if isUnique(err, "workshops_code_key") {
			continue
		}
		if err != nil {
			return err
		}
		w.Code, w.CreatedAt, w.UpdatedAt = code, now, now
		return nil
	}
	return fmt.Errorf("no free join code in %d tries", codeTries)
}

// Workshop implements lab.WorkshopStore.
func (db *DB) Workshop(ctx context.Context, code string) (_ *lab.Workshop, err error) {
	defer wrap(&err, "get workshop")
	return scanWorkshop(db.pool.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE code = $1`, code), code)
}

// UpdateWorkshop implements lab.WorkshopStore.
func (db *DB) UpdateWorkshop(ctx context.Context, code string, upd lab.WorkshopUpdate) (_ *lab.Workshop, err error) {
	defer wrap(&err, "update workshop")
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	title, peers := upd.Title, (*string)(upd.Peers)
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	w, err := scanWorkshop(tx.QueryRow(ctx, `UPDATE workshops
		SET title = COALESCE($1, title), peers = COALESCE($2, peers), locked_after = COALESCE($3, locked_after),
			wire = CASE WHEN $4::boolean THEN $5::text ELSE wire END, updated_at = $6
		WHERE code = $7 RETURNING `+workshopColumns,
		title, peers, upd.LockedAfter, upd.Wire != nil, lab.WireColumn(upd.Wire), lab.StoreTime(db.now()), code), code)
	if err != nil {
		return nil, err
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, tx.Commit(ctx)
}

// DeleteWorkshop implements lab.WorkshopStore.
func (db *DB) DeleteWorkshop(ctx context.Context, code string) (err error) {
	defer wrap(&err, "delete workshop")
	tag, err := db.pool.Exec(ctx, `DELETE FROM workshops WHERE code = $1`, code)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return noWorkshop(code)
	}
	return nil
}

// CountWorkshops implements lab.WorkshopStore.
func (db *DB) CountWorkshops(ctx context.Context) (n int, err error) {
	defer wrap(&err, "count workshops")
	err = db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM workshops`).Scan(&n)
	return n, err
}

const studentColumns = `s.id, w.code, s.name, s.addr, s.token_hash, s.joined_at, s.last_seen`

// AddStudent implements lab.WorkshopStore.
func (db *DB) AddStudent(ctx context.Context, s *lab.Student) (err error) {
	defer wrap(&err, "add student")
	if err := lab.ValidateName(s.Name); err != nil {
		return err
	}
	if s.TokenHash.IsZero() {
		return lab.Errorf(lab.ErrInvalid, "a student needs a token hash")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// Locking the workshop's row makes joins to one workshop take turns,
	// on this node and on any other sharing the database.
	var workshopID int64
	var max, last int
	err = tx.QueryRow(ctx, `SELECT id, max_students, last_host FROM workshops WHERE code = $1 FOR UPDATE`, s.Workshop).Scan(&workshopID, &max, &last)
	if err != nil {
		return notFound(err, noWorkshop(s.Workshop))
	}
	var count int
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM students WHERE workshop_id = $1`, workshopID).Scan(&count)
	if err != nil {
		return err
	}
	host := last + 1
	if count >= max || host > lab.MaxStudents {
		return lab.Errorf(lab.ErrFull, "workshop %s is full (%d students)", lab.FormatCode(s.Workshop), count)
	}
	addr := lab.StudentAddr(host)
	now := lab.StoreTime(db.now())
	err = tx.QueryRow(ctx, `INSERT INTO students (workshop_id, host, addr, name, token_hash, joined_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		workshopID, host, addr, s.Name, s.TokenHash[:], now).Scan(&s.ID)
	if isUnique(err, "students_token_hash_key") {
		return lab.Errorf(lab.ErrConflict, "another student has this token")
	} else if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE workshops SET last_host = $1 WHERE id = $2`, host, workshopID); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.Addr, s.JoinedAt, s.LastSeen = addr, now, now
	return nil
}

// StudentByToken implements lab.WorkshopStore.
func (db *DB) StudentByToken(ctx context.Context, code string, hash lab.TokenHash) (_ *lab.Student, err error) {
	defer wrap(&err, "find student")
	rows, err := db.pool.Query(ctx, `SELECT `+studentColumns+`
		FROM students s JOIN workshops w ON w.id = s.workshop_id
		WHERE w.code = $1 AND s.token_hash = $2`, code, hash[:])
	if err != nil {
		return nil, err
	}
	students, err := scanStudents(rows)
	if err != nil {
		return nil, err
	}
	if len(students) == 0 {
		return nil, lab.Errorf(lab.ErrNotFound, "no student of workshop %q has this token", code)
	}
	return students[0], nil
}

// TouchStudent implements lab.WorkshopStore.
func (db *DB) TouchStudent(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "touch student")
	tag, err := db.pool.Exec(ctx, `UPDATE students SET last_seen = GREATEST(last_seen, $1) WHERE id = $2`, lab.StoreTime(at), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return noStudent(id)
	}
	return nil
}

// Students implements lab.WorkshopStore.
func (db *DB) Students(ctx context.Context, code string) (_ []*lab.Student, err error) {
	defer wrap(&err, "list students")
	id, err := db.workshopID(ctx, code)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+studentColumns+`
		FROM students s JOIN workshops w ON w.id = s.workshop_id
		WHERE w.id = $1 ORDER BY s.id`, id)
	if err != nil {
		return nil, err
	}
	return scanStudents(rows)
}

// DeleteStudent implements lab.WorkshopStore.
func (db *DB) DeleteStudent(ctx context.Context, code string, id int64) (err error) {
	defer wrap(&err, "delete student")
	tag, err := db.pool.Exec(ctx, `DELETE FROM students
		WHERE id = $1 AND workshop_id = (SELECT id FROM workshops WHERE code = $2)`, id, code)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return noStudent(id)
	}
	return nil
}

const progressColumns = `p.student_id, p.exercise, p.step, p.kind, p.answer, p.at, p.confirmed`

// RecordProgress implements lab.WorkshopStore.
func (db *DB) RecordProgress(ctx context.Context, r lab.ProgressRecord) (_ lab.ProgressRecord, err error) {
	defer wrap(&err, "record progress")
	if err := r.Validate(); err != nil {
		return r, err
	}
	if r.At.IsZero() {
		r.At = db.now()
	}
	r.At = lab.StoreTime(r.At)
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return r, err
	}
	defer tx.Rollback(ctx)
	// Locking the student's row makes one student's records take turns,
	// so the bound holds and a record is inserted once.
	var exercises []string
	err = tx.QueryRow(ctx, `SELECT w.exercises FROM students s JOIN workshops w ON w.id = s.workshop_id
		WHERE s.id = $1 FOR UPDATE OF s`, r.StudentID).Scan(&exercises)
	if err != nil {
		return r, notFound(err, noStudent(r.StudentID))
	}
	if !slices.Contains(exercises, r.Exercise) {
		return r, lab.Errorf(lab.ErrInvalid, "exercise %q is not one of the workshop's", r.Exercise)
	}
	kept, err := scanProgress(tx.QueryRow(ctx, `SELECT `+progressColumns+` FROM progress p
		WHERE p.student_id = $1 AND p.exercise = $2 AND p.step = $3 AND p.kind = $4`, r.StudentID, r.Exercise, r.Step, string(r.Kind)))
	switch {
	case err == nil:
		if !r.Confirmed || kept.Confirmed {
			return kept, nil
		}
		kept.Confirmed = true
		_, err = tx.Exec(ctx, `UPDATE progress SET confirmed = true
			WHERE student_id = $1 AND exercise = $2 AND step = $3 AND kind = $4`, r.StudentID, r.Exercise, r.Step, string(r.Kind))
	case errors.Is(err, pgx.ErrNoRows):
		var count int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM progress WHERE student_id = $1`, r.StudentID).Scan(&count); err != nil {
			return r, err
		}
		if count >= lab.MaxProgress {
			return r, lab.Errorf(lab.ErrFull, "student %d has %d progress records, the most a student may have", r.StudentID, count)
		}
		kept = r
		_, err = tx.Exec(ctx, `INSERT INTO progress (student_id, exercise, step, kind, answer, at, confirmed)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.StudentID, r.Exercise, r.Step, string(r.Kind), r.Answer, r.At, r.Confirmed)
	}
	if err != nil {
		return r, err
	}
	return kept, tx.Commit(ctx)
}

// Progress implements lab.WorkshopStore.
func (db *DB) Progress(ctx context.Context, code string) (_ []lab.ProgressRecord, err error) {
	defer wrap(&err, "read progress")
	id, err := db.workshopID(ctx, code)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+progressColumns+`
		FROM progress p JOIN students s ON s.id = p.student_id
		WHERE s.workshop_id = $1 ORDER BY s.id, p.id`, id)
	if err != nil {
		return nil, err
	}
	return scanProgressRows(rows)
}

// StudentProgress implements lab.WorkshopStore.
func (db *DB) StudentProgress(ctx context.Context, studentID int64) (_ []lab.ProgressRecord, err error) {
	defer wrap(&err, "read progress")
	var one int
	if err := db.pool.QueryRow(ctx, `SELECT 1 FROM students WHERE id = $1`, studentID).Scan(&one); err != nil {
		return nil, notFound(err, noStudent(studentID))
	}
	rows, err := db.pool.Query(ctx, `SELECT `+progressColumns+` FROM progress p WHERE p.student_id = $1 ORDER BY p.id`, studentID)
	if err != nil {
		return nil, err
	}
	return scanProgressRows(rows)
}

func noWorkshop(code string) error {
	return lab.Errorf(lab.ErrNotFound, "no workshop has the code %q", code)
}

func noStudent(id int64) error {
	return lab.Errorf(lab.ErrNotFound, "no student has the ID %d", id)
}

// workshopID finds a workshop's row.
func (db *DB) workshopID(ctx context.Context, code string) (id int64, err error) {
	err = db.pool.QueryRow(ctx, `SELECT id FROM workshops WHERE code = $1`, code).Scan(&id)
	return id, notFound(err, noWorkshop(code))
}

func scanWorkshop(row pgx.Row, code string, extra ...any) (*lab.Workshop, error) {
	var w lab.Workshop
	var peers string
	var hash []byte
	var wire *string
	err := row.Scan(append([]any{&w.Code, &w.Title, &w.Exercises, &peers, &w.MaxStudents, &w.LockedAfter, &wire, &hash, &w.CreatedAt, &w.UpdatedAt}, extra...)...)
	if err != nil {
		return nil, notFound(err, noWorkshop(code))
	}
	w.Peers = lab.Peers(peers)
	if copy(w.TokenHash[:], hash) != len(w.TokenHash) {
		return nil, fmt.Errorf("workshop %s: token hash of %d bytes", w.Code, len(hash))
	}
	if w.Wire, err = lab.ParseWireColumn(wire); err != nil {
		return nil, fmt.Errorf("workshop %s: %w", w.Code, err)
	}
	w.CreatedAt, w.UpdatedAt = lab.StoreTime(w.CreatedAt), lab.StoreTime(w.UpdatedAt)
	return &w, nil
}

func scanStudents(rows pgx.Rows) ([]*lab.Student, error) {
	defer rows.Close()
	var all []*lab.Student
	for rows.Next() {
		var s lab.Student
		var hash []byte
		if err := rows.Scan(&s.ID, &s.Workshop, &s.Name, &s.Addr, &hash, &s.JoinedAt, &s.LastSeen); err != nil {
			return nil, err
		}
		if copy(s.TokenHash[:], hash) != len(s.TokenHash) {
			return nil, fmt.Errorf("student %d: token hash of %d bytes", s.ID, len(hash))
		}
		s.JoinedAt, s.LastSeen = lab.StoreTime(s.JoinedAt), lab.StoreTime(s.LastSeen)
		all = append(all, &s)
	}
	return all, rows.Err()
}

func scanProgress(row pgx.Row) (lab.ProgressRecord, error) {
	var r lab.ProgressRecord
	var kind string
	err := row.Scan(&r.StudentID, &r.Exercise, &r.Step, &kind, &r.Answer, &r.At, &r.Confirmed)
	r.Kind, r.At = lab.ProgressKind(kind), lab.StoreTime(r.At)
	return r, err
}

func scanProgressRows(rows pgx.Rows) ([]lab.ProgressRecord, error) {
	defer rows.Close()
	var all []lab.ProgressRecord
	for rows.Next() {
		r, err := scanProgress(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	return all, rows.Err()
}
