-- What an instructor sets for a workshop's class while it runs
-- (lab.Class): the message, the spotlight and the help queue, so that a
-- restart keeps them.

ALTER TABLE workshops ADD COLUMN message text NOT NULL DEFAULT '';
ALTER TABLE workshops ADD COLUMN message_at timestamptz;

-- At most one spotlight a workshop; it goes with its student.
CREATE TABLE spotlights (
	workshop_id bigint  PRIMARY KEY REFERENCES workshops (id) ON DELETE CASCADE,
	student_id  bigint  NOT NULL REFERENCES students (id) ON DELETE CASCADE,
	show_name   boolean NOT NULL
);

-- At most one hand a student; id is the order of asking.
CREATE TABLE hands (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	student_id bigint      NOT NULL UNIQUE REFERENCES students (id) ON DELETE CASCADE,
	message    text        NOT NULL,
	raised_at  timestamptz NOT NULL,
	coming     boolean     NOT NULL
);
