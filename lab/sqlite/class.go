//go:build !js

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// ListWorkshops implements lab.WorkshopStore.
func (db *DB) ListWorkshops(ctx context.Context) (_ []lab.WorkshopSummary, err error) {
	defer wrap(&err, "list workshops")
	rows, err := db.r.QueryContext(ctx, `SELECT `+workshopColumns+`,
			(SELECT COUNT(*) FROM students s WHERE s.workshop_id = workshops.id),
			(SELECT MAX(created_us, COALESCE(MAX(s.seen_us), 0)) FROM students s WHERE s.workshop_id = workshops.id)
		FROM workshops ORDER BY created_us DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []lab.WorkshopSummary
	for rows.Next() {
		var sum lab.WorkshopSummary
		var last int64
		sum.Workshop, err = scanWorkshopInto(rows, "", &sum.Students, &last)
		if err != nil {
			return nil, err
		}
		sum.LastActivity = micros(last)
		all = append(all, sum)
	}
	return all, rows.Err()
}

// Class implements lab.WorkshopStore.
func (db *DB) Class(ctx context.Context, code string) (_ *lab.Class, err error) {
	defer wrap(&err, "read the class")
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var c lab.Class
	var id, at int64
	err = tx.QueryRowContext(ctx, `SELECT id, message, message_us FROM workshops WHERE code = ?`, code).Scan(&id, &c.Message, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noWorkshop(code)
	} else if err != nil {
		return nil, err
	}
	if at != 0 {
		c.MessageAt = micros(at)
	}
	var sp lab.Spotlight
	err = tx.QueryRowContext(ctx, `SELECT student_id, show_name FROM spotlights WHERE workshop_id = ?`, id).Scan(&sp.Student, &sp.ShowName)
	if err == nil {
		c.Spotlight = &sp
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT h.id, h.student_id, s.name, h.message, h.raised_us, h.coming
		FROM hands h JOIN students s ON s.id = h.student_id
		WHERE s.workshop_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h lab.Hand
		var raised int64
		if err := rows.Scan(&h.ID, &h.Student, &h.Name, &h.Message, &raised, &h.Coming); err != nil {
			return nil, err
		}
		h.At = micros(raised)
		c.Hands = append(c.Hands, h)
	}
	return &c, rows.Err()
}

// SetMessage implements lab.WorkshopStore.
func (db *DB) SetMessage(ctx context.Context, code, text string) (_ time.Time, err error) {
	defer wrap(&err, "set the message")
	if err := lab.ValidateMessage(text); err != nil {
		return time.Time{}, err
	}
	now := lab.StoreTime(db.now())
	at := now.UnixMicro()
	if text == "" {
		at = 0
	}
	return now, db.execOne(ctx, noWorkshop(code), `UPDATE workshops SET message = ?, message_us = ? WHERE code = ?`, text, at, code)
}

// SetSpotlight implements lab.WorkshopStore.
func (db *DB) SetSpotlight(ctx context.Context, code string, sp *lab.Spotlight) (err error) {
	defer wrap(&err, "set the spotlight")
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id, err := workshopID(ctx, tx, code)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM spotlights WHERE workshop_id = ?`, id); err != nil {
		return err
	}
	if sp != nil {
		res, err := tx.ExecContext(ctx, `INSERT INTO spotlights (workshop_id, student_id, show_name)
			SELECT ?, id, ? FROM students WHERE id = ? AND workshop_id = ?`, id, sp.ShowName, sp.Student, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return noStudent(sp.Student)
		}
	}
	return tx.Commit()
}

// RaiseHand implements lab.WorkshopStore.
func (db *DB) RaiseHand(ctx context.Context, code string, student int64, message string) (err error) {
	defer wrap(&err, "raise a hand")
	if err := lab.ValidateHandMessage(message); err != nil {
		return err
	}
	return db.execOne(ctx, noStudent(student), `INSERT INTO hands (student_id, message, raised_us, coming)
		SELECT s.id, ?, ?, 0 FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = ? AND w.code = ?
		ON CONFLICT (student_id) DO UPDATE SET message = excluded.message`,
		message, lab.StoreTime(db.now()).UnixMicro(), student, code)
}

// LowerHand implements lab.WorkshopStore.
func (db *DB) LowerHand(ctx context.Context, code string, student int64) (err error) {
	defer wrap(&err, "lower a hand")
	return db.execOne(ctx, noHand(student), `DELETE FROM hands WHERE student_id = (SELECT s.id
		FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = ? AND w.code = ?)`, student, code)
}

// MarkHand implements lab.WorkshopStore.
func (db *DB) MarkHand(ctx context.Context, code string, id int64, done bool) (student int64, err error) {
	defer wrap(&err, "mark a hand")
	const ofWorkshop = `id = ? AND student_id IN (SELECT s.id FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE w.code = ?)`
	query := `UPDATE hands SET coming = 1 WHERE ` + ofWorkshop + ` RETURNING student_id`
	if done {
		query = `DELETE FROM hands WHERE ` + ofWorkshop + ` RETURNING student_id`
	}
	err = db.w.QueryRowContext(ctx, query, id, code).Scan(&student)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, lab.Errorf(lab.ErrNotFound, "no hand is up with the ID %d", id)
	}
	return student, err
}

func noHand(student int64) error {
	return lab.Errorf(lab.ErrNotFound, "student %d has no hand up", student)
}
