-- Pacing (lab.Workshop.LockedAfter) and deleting one student: a
-- workshop remembers the last host it gave (lab.StudentAddr(n)), so
-- that a deleted student's address is never given to another.

ALTER TABLE workshops ADD COLUMN locked_after INTEGER NOT NULL DEFAULT 0 CHECK (locked_after >= 0);
ALTER TABLE workshops ADD COLUMN last_host INTEGER NOT NULL DEFAULT 0;
UPDATE workshops SET last_host = (SELECT COALESCE(MAX(host), 0) FROM students WHERE workshop_id = workshops.id);
