package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/socketlab/socketlab/lab"
)

// ListWorkshops implements lab.WorkshopStore.
func (db *DB) ListWorkshops(ctx context.Context) (_ []lab.WorkshopSummary, err error) {
	defer wrap(&err, "list workshops")
	rows, err := db.pool.Query(ctx, `SELECT `+workshopColumns+`,
			(SELECT COUNT(*) FROM students s WHERE s.workshop_id = workshops.id),
			GREATEST(created_at, (SELECT MAX(s.last_seen) FROM students s WHERE s.workshop_id = workshops.id))
		FROM workshops ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []lab.WorkshopSummary
	for rows.Next() {
		var sum lab.WorkshopSummary
		var n int64
		if sum.Workshop, err = scanWorkshop(rows, "", &n, &sum.LastActivity); err != nil {
			return nil, err
		}
		sum.Students, sum.LastActivity = int(n), lab.StoreTime(sum.LastActivity)
		all = append(all, sum)
	}
	return all, rows.Err()
}

// Class implements lab.WorkshopStore.
func (db *DB) Class(ctx context.Context, code string) (_ *lab.Class, err error) {
	defer wrap(&err, "read the class")
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	var c lab.Class
	var id int64
	var at *time.Time
	if err := tx.QueryRow(ctx, `SELECT id, message, message_at FROM workshops WHERE code = $1`, code).Scan(&id, &c.Message, &at); err != nil {
		return nil, notFound(err, noWorkshop(code))
	}
	if at != nil {
		c.MessageAt = lab.StoreTime(*at)
	}
	var sp lab.Spotlight
	err = tx.QueryRow(ctx, `SELECT student_id, show_name FROM spotlights WHERE workshop_id = $1`, id).Scan(&sp.Student, &sp.ShowName)
	if err == nil {
		c.Spotlight = &sp
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT h.id, h.student_id, s.name, h.message, h.raised_at, h.coming
		FROM hands h JOIN students s ON s.id = h.student_id
		WHERE s.workshop_id = $1 ORDER BY h.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h lab.Hand
		if err := rows.Scan(&h.ID, &h.Student, &h.Name, &h.Message, &h.At, &h.Coming); err != nil {
			return nil, err
		}
		h.At = lab.StoreTime(h.At)
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
	at := &now
	if text == "" {
		at = nil
	}
	return now, db.execOne(ctx, noWorkshop(code), `UPDATE workshops SET message = $1, message_at = $2 WHERE code = $3`, text, at, code)
}

// SetSpotlight implements lab.WorkshopStore.
func (db *DB) SetSpotlight(ctx context.Context, code string, sp *lab.Spotlight) (err error) {
	defer wrap(&err, "set the spotlight")
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM workshops WHERE code = $1 FOR UPDATE`, code).Scan(&id); err != nil {
		return notFound(err, noWorkshop(code))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM spotlights WHERE workshop_id = $1`, id); err != nil {
		return err
	}
	if sp != nil {
		tag, err := tx.Exec(ctx, `INSERT INTO spotlights (workshop_id, student_id, show_name)
			SELECT $1, id, $2 FROM students WHERE id = $3 AND workshop_id = $1`, id, sp.ShowName, sp.Student)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noStudent(sp.Student)
		}
	}
	return tx.Commit(ctx)
}

// RaiseHand implements lab.WorkshopStore.
func (db *DB) RaiseHand(ctx context.Context, code string, student int64, message string) (err error) {
	defer wrap(&err, "raise a hand")
	if err := lab.ValidateHandMessage(message); err != nil {
		return err
	}
	return db.execOne(ctx, noStudent(student), `INSERT INTO hands (student_id, message, raised_at, coming)
		SELECT s.id, $1, $2, false FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = $3 AND w.code = $4
		ON CONFLICT (student_id) DO UPDATE SET message = excluded.message`,
		message, lab.StoreTime(db.now()), student, code)
}

// LowerHand implements lab.WorkshopStore.
func (db *DB) LowerHand(ctx context.Context, code string, student int64) (err error) {
	defer wrap(&err, "lower a hand")
	return db.execOne(ctx, noHand(student), `DELETE FROM hands WHERE student_id = (SELECT s.id
		FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = $1 AND w.code = $2)`, student, code)
}

// MarkHand implements lab.WorkshopStore.
func (db *DB) MarkHand(ctx context.Context, code string, id int64, done bool) (student int64, err error) {
	defer wrap(&err, "mark a hand")
	const ofWorkshop = `id = $1 AND student_id IN (SELECT s.id FROM students s JOIN workshops w ON w.id = s.workshop_id WHERE w.code = $2)`
	query := `UPDATE hands SET coming = true WHERE ` + ofWorkshop + ` RETURNING student_id`
	if done {
		query = `DELETE FROM hands WHERE ` + ofWorkshop + ` RETURNING student_id`
	}
	err = db.pool.QueryRow(ctx, query, id, code).Scan(&student)
	return student, notFound(err, lab.Errorf(lab.ErrNotFound, "no hand is up with the ID %d", id))
}

// execOne runs a statement that must change one row; none is missing.
func (db *DB) execOne(ctx context.Context, missing error, query string, args ...any) error {
	tag, err := db.pool.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return missing
	}
	return nil
}

func noHand(student int64) error {
	return lab.Errorf(lab.ErrNotFound, "student %d has no hand up", student)
}
