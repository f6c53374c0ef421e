-- Workshops, their students and the students' progress (lab.Workshop,
-- lab.Student, lab.ProgressRecord). Times are microseconds since
-- 1970-01-01 UTC (the _us columns); token hashes are SHA-256.

CREATE TABLE workshops (
	id           INTEGER PRIMARY KEY,
	code         TEXT    NOT NULL UNIQUE,
	title        TEXT    NOT NULL,
	exercises    TEXT    NOT NULL, -- a JSON array of exercise IDs, in order
	peers        TEXT    NOT NULL CHECK (peers IN ('none', 'all')),
	max_students INTEGER NOT NULL,
	token_hash   BLOB    NOT NULL,
	created_us   INTEGER NOT NULL,
	updated_us   INTEGER NOT NULL
) STRICT;

CREATE TABLE students (
	id          INTEGER PRIMARY KEY,
	workshop_id INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
	host        INTEGER NOT NULL, -- n of lab.StudentAddr(n)
	addr        TEXT    NOT NULL, -- lab.StudentAddr(host), for people reading the table
	name        TEXT    NOT NULL,
	token_hash  BLOB    NOT NULL UNIQUE,
	joined_us   INTEGER NOT NULL,
	seen_us     INTEGER NOT NULL,
	UNIQUE (workshop_id, host),
	UNIQUE (workshop_id, addr)
) STRICT;

CREATE TABLE progress (
	id         INTEGER PRIMARY KEY, -- the order records were first made
	student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
	exercise   TEXT    NOT NULL,
	step       INTEGER NOT NULL,
	kind       TEXT    NOT NULL CHECK (kind IN ('step', 'answer')),
	answer     TEXT    NOT NULL,
	at_us      INTEGER NOT NULL,
	confirmed  INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
	UNIQUE (student_id, exercise, step, kind)
) STRICT;
