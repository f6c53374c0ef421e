-- What an instructor sets for a workshop's class while it runs
-- (lab.Class): the message, the spotlight and the help queue, so that a
-- restart keeps them.

ALTER TABLE workshops ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE workshops ADD COLUMN message_us INTEGER NOT NULL DEFAULT 0;

-- At most one spotlight a workshop; it goes with its student.
CREATE TABLE spotlights (
	workshop_id INTEGER PRIMARY KEY REFERENCES workshops (id) ON DELETE CASCADE,
	student_id  INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
	show_name   INTEGER NOT NULL CHECK (show_name IN (0, 1))
) STRICT;

-- At most one hand a student; id is the order of asking.
CREATE TABLE hands (
	id         INTEGER PRIMARY KEY,
	student_id INTEGER NOT NULL UNIQUE REFERENCES students (id) ON DELETE CASCADE,
	message    TEXT    NOT NULL,
	raised_us  INTEGER NOT NULL,
	coming     INTEGER NOT NULL CHECK (coming IN (0, 1))
) STRICT;
