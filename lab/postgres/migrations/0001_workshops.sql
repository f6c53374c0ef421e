-- Workshops, their students and the students' progress (lab.Workshop,
-- lab.Student, lab.ProgressRecord). Token hashes are SHA-256.

CREATE TABLE workshops (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code         text        NOT NULL UNIQUE,
	title        text        NOT NULL,
	exercises    text[]      NOT NULL, -- exercise IDs, in order
	peers        text        NOT NULL CHECK (peers IN ('none', 'all')),
	max_students integer     NOT NULL,
	token_hash   bytea       NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);

CREATE TABLE students (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	workshop_id bigint      NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
	host        integer     NOT NULL, -- n of lab.StudentAddr(n)
	addr        inet        NOT NULL, -- lab.StudentAddr(host)
	name        text        NOT NULL,
	token_hash  bytea       NOT NULL UNIQUE,
	joined_at   timestamptz NOT NULL,
	last_seen   timestamptz NOT NULL,
	UNIQUE (workshop_id, host),
	UNIQUE (workshop_id, addr)
);

CREATE TABLE progress (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- the order records were first made
	student_id bigint      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
	exercise   text        NOT NULL,
	step       integer     NOT NULL,
	kind       text        NOT NULL CHECK (kind IN ('step', 'answer')),
	answer     text        NOT NULL,
	at         timestamptz NOT NULL,
	confirmed  boolean     NOT NULL,
	UNIQUE (student_id, exercise, step, kind)
);
