//go:build !js

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// codeTries is how many join codes CreateWorkshop draws before giving up:
// with 30^8 codes, a second draw is already rare.
const codeTries = 10

const workshopColumns = `code, title, exercises, peers, max_students, locked_after, wire, token_hash, created_us, updated_us`

// CreateWorkshop implements lab.WorkshopStore.
func (db *DB) CreateWorkshop(ctx context.Context, w *lab.Workshop) (err error) {
	defer wrap(&err, "create workshop")
	if err := w.Validate(); err != nil {
		return err
	}
	exercises, err := json.Marshal(w.Exercises)
	if err != nil {
		return err
	}
	now := lab.StoreTime(db.now())
	for range codeTries {
		code := db.newCode()
		_, err := db.w.ExecContext(ctx, `INSERT INTO workshops (`+workshopColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			code, w.Title, string(exercises), w.Peers, w.MaxStudents, w.LockedAfter, lab.WireColumn(w.Wire), w.TokenHash[:], now.UnixMicro(), now.UnixMicro())
		if isUnique(err, "workshops.code") {
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
	return scanWorkshop(db.r.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE code = ?`, code), code)
}

// UpdateWorkshop implements lab.WorkshopStore.
func (db *DB) UpdateWorkshop(ctx context.Context, code string, upd lab.WorkshopUpdate) (_ *lab.Workshop, err error) {
	defer wrap(&err, "update workshop")
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	var title, peers, locked any
	if upd.Title != nil {
		title = *upd.Title
	}
	if upd.Peers != nil {
		peers = string(*upd.Peers)
	}
	if upd.LockedAfter != nil {
		locked = *upd.LockedAfter
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := scanWorkshop(tx.QueryRowContext(ctx, `UPDATE workshops
		SET title = COALESCE(?, title), peers = COALESCE(?, peers), locked_after = COALESCE(?, locked_after),
			wire = CASE WHEN ? THEN ? ELSE wire END, updated_us = ?
		WHERE code = ? RETURNING `+workshopColumns,
		title, peers, locked, upd.Wire != nil, lab.WireColumn(upd.Wire), lab.StoreTime(db.now()).UnixMicro(), code), code)
	if err != nil {
		return nil, err
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, tx.Commit()
}

// DeleteWorkshop implements lab.WorkshopStore.
func (db *DB) DeleteWorkshop(ctx context.Context, code string) (err error) {
	defer wrap(&err, "delete workshop")
	return db.execOne(ctx, noWorkshop(code), `DELETE FROM workshops WHERE code = ?`, code)
}

// CountWorkshops implements lab.WorkshopStore.
func (db *DB) CountWorkshops(ctx context.Context) (n int, err error) {
	defer wrap(&err, "count workshops")
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM workshops`).Scan(&n)
	return n, err
}

const studentColumns = `s.id, w.code, s.name, s.host, s.token_hash, s.joined_us, s.seen_us`

// AddStudent implements lab.WorkshopStore.
func (db *DB) AddStudent(ctx context.Context, s *lab.Student) (err error) {
	defer wrap(&err, "add student")
	if err := lab.ValidateName(s.Name); err != nil {
		return err
	}
	if s.TokenHash.IsZero() {
		return lab.Errorf(lab.ErrInvalid, "a student needs a token hash")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var workshopID int64
	var max, count, last int
	err = tx.QueryRowContext(ctx, `SELECT w.id, w.max_students, COUNT(s.id), w.last_host
		FROM workshops w LEFT JOIN students s ON s.workshop_id = w.id
		WHERE w.code = ? GROUP BY w.id`, s.Workshop).Scan(&workshopID, &max, &count, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return noWorkshop(s.Workshop)
	} else if err != nil {
		return err
	}
	host := last + 1
	if count >= max || host > lab.MaxStudents {
		return lab.Errorf(lab.ErrFull, "workshop %s is full (%d students)", lab.FormatCode(s.Workshop), count)
	}
	addr := lab.StudentAddr(host)
	now := lab.StoreTime(db.now())
	err = tx.QueryRowContext(ctx, `INSERT INTO students (workshop_id, host, addr, name, token_hash, joined_us, seen_us)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		workshopID, host, addr.String(), s.Name, s.TokenHash[:], now.UnixMicro(), now.UnixMicro()).Scan(&s.ID)
	if isUnique(err, "students.token_hash") {
		return lab.Errorf(lab.ErrConflict, "another student has this token")
	} else if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE workshops SET last_host = ? WHERE id = ?`, host, workshopID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.Addr, s.JoinedAt, s.LastSeen = addr, now, now
	return nil
}

// StudentByToken implements lab.WorkshopStore.
func (db *DB) StudentByToken(ctx context.Context, code string, hash lab.TokenHash) (_ *lab.Student, err error) {
	defer wrap(&err, "find student")
	rows, err := db.r.QueryContext(ctx, `SELECT `+studentColumns+`
		FROM students s JOIN workshops w ON w.id = s.workshop_id
		WHERE w.code = ? AND s.token_hash = ?`, code, hash[:])
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
	return db.execOne(ctx, noStudent(id), `UPDATE students SET seen_us = MAX(seen_us, ?) WHERE id = ?`, lab.StoreTime(at).UnixMicro(), id)
}

// Students implements lab.WorkshopStore.
func (db *DB) Students(ctx context.Context, code string) (_ []*lab.Student, err error) {
	defer wrap(&err, "list students")
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := workshopID(ctx, tx, code); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+studentColumns+`
		FROM students s JOIN workshops w ON w.id = s.workshop_id
		WHERE w.code = ? ORDER BY s.id`, code)
	if err != nil {
		return nil, err
	}
	return scanStudents(rows)
}

// DeleteStudent implements lab.WorkshopStore.
func (db *DB) DeleteStudent(ctx context.Context, code string, id int64) (err error) {
	defer wrap(&err, "delete student")
	return db.execOne(ctx, noStudent(id), `DELETE FROM students
		WHERE id = ? AND workshop_id = (SELECT id FROM workshops WHERE code = ?)`, id, code)
}

const progressColumns = `p.student_id, p.exercise, p.step, p.kind, p.answer, p.at_us, p.confirmed`

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
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return r, err
	}
	defer tx.Rollback()
	var exercisesJSON []byte
	var count int
	err = tx.QueryRowContext(ctx, `SELECT w.exercises, (SELECT COUNT(*) FROM progress WHERE student_id = s.id)
		FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = ?`, r.StudentID).Scan(&exercisesJSON, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return r, noStudent(r.StudentID)
	} else if err != nil {
		return r, err
	}
	var exercises []string
	if err := json.Unmarshal(exercisesJSON, &exercises); err != nil {
		return r, err
	}
	if !slices.Contains(exercises, r.Exercise) {
		return r, lab.Errorf(lab.ErrInvalid, "exercise %q is not one of the workshop's", r.Exercise)
	}
	kept, err := scanProgress(tx.QueryRowContext(ctx, `SELECT `+progressColumns+` FROM progress p
		WHERE p.student_id = ? AND p.exercise = ? AND p.step = ? AND p.kind = ?`, r.StudentID, r.Exercise, r.Step, r.Kind))
	switch {
	case err == nil:
		if !r.Confirmed || kept.Confirmed {
			return kept, nil
		}
		kept.Confirmed = true
		_, err = tx.ExecContext(ctx, `UPDATE progress SET confirmed = 1
			WHERE student_id = ? AND exercise = ? AND step = ? AND kind = ?`, r.StudentID, r.Exercise, r.Step, r.Kind)
	case errors.Is(err, sql.ErrNoRows):
		if count >= lab.MaxProgress {
			return r, lab.Errorf(lab.ErrFull, "student %d has %d progress records, the most a student may have", r.StudentID, count)
		}
		kept = r
		_, err = tx.ExecContext(ctx, `INSERT INTO progress (student_id, exercise, step, kind, answer, at_us, confirmed)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.StudentID, r.Exercise, r.Step, r.Kind, r.Answer, r.At.UnixMicro(), r.Confirmed)
	}
	if err != nil {
		return r, err
	}
	return kept, tx.Commit()
}

// Progress implements lab.WorkshopStore.
func (db *DB) Progress(ctx context.Context, code string) (_ []lab.ProgressRecord, err error) {
	defer wrap(&err, "read progress")
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id, err := workshopID(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+progressColumns+`
		FROM progress p JOIN students s ON s.id = p.student_id
		WHERE s.workshop_id = ? ORDER BY s.id, p.id`, id)
	if err != nil {
		return nil, err
	}
	return scanProgressRows(rows)
}

// StudentProgress implements lab.WorkshopStore.
func (db *DB) StudentProgress(ctx context.Context, studentID int64) (_ []lab.ProgressRecord, err error) {
	defer wrap(&err, "read progress")
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM students WHERE id = ?`, studentID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, noStudent(studentID)
	} else if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+progressColumns+` FROM progress p WHERE p.student_id = ? ORDER BY p.id`, studentID)
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
func workshopID(ctx context.Context, tx *sql.Tx, code string) (id int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id FROM workshops WHERE code = ?`, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, noWorkshop(code)
	}
	return id, err
}

func scanWorkshop(row *sql.Row, code string) (*lab.Workshop, error) {
	return scanWorkshopInto(row, code)
}

// scanWorkshopInto scans workshopColumns, then extra.
func scanWorkshopInto(row scanner, code string, extra ...any) (*lab.Workshop, error) {
	var w lab.Workshop
	var exercises, hash []byte
	var wire *string
	var created, updated int64
	err := row.Scan(append([]any{&w.Code, &w.Title, &exercises, &w.Peers, &w.MaxStudents, &w.LockedAfter, &wire, &hash, &created, &updated}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noWorkshop(code)
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(exercises, &w.Exercises); err != nil {
		return nil, fmt.Errorf("workshop %s: exercises: %w", w.Code, err)
	}
	if copy(w.TokenHash[:], hash) != len(w.TokenHash) {
		return nil, fmt.Errorf("workshop %s: token hash of %d bytes", w.Code, len(hash))
	}
	if w.Wire, err = lab.ParseWireColumn(wire); err != nil {
		return nil, fmt.Errorf("workshop %s: %w", w.Code, err)
	}
	w.CreatedAt, w.UpdatedAt = micros(created), micros(updated)
	return &w, nil
}

func scanStudents(rows *sql.Rows) ([]*lab.Student, error) {
	defer rows.Close()
	var all []*lab.Student
	for rows.Next() {
		var s lab.Student
		var host int
		var hash []byte
		var joined, seen int64
		if err := rows.Scan(&s.ID, &s.Workshop, &s.Name, &host, &hash, &joined, &seen); err != nil {
			return nil, err
		}
		if copy(s.TokenHash[:], hash) != len(s.TokenHash) {
			return nil, fmt.Errorf("student %d: token hash of %d bytes", s.ID, len(hash))
		}
		s.Addr = lab.StudentAddr(host)
		s.JoinedAt, s.LastSeen = micros(joined), micros(seen)
		all = append(all, &s)
	}
	return all, rows.Err()
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

func scanProgress(row scanner) (lab.ProgressRecord, error) {
	var r lab.ProgressRecord
	var at int64
	err := row.Scan(&r.StudentID, &r.Exercise, &r.Step, &r.Kind, &r.Answer, &at, &r.Confirmed)
	r.At = micros(at)
	return r, err
}

func scanProgressRows(rows *sql.Rows) ([]lab.ProgressRecord, error) {
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

// micros is a time stored as microseconds since 1970 UTC.
func micros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// execOne runs a statement that must change one row; none is missing.
func (db *DB) execOne(ctx context.Context, missing error, query string, args ...any) error {
	res, err := db.w.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return missing
	}
	return nil
}
