-- The wire an instructor set for every student's port of a workshop
-- (lab.Workshop.Wire): lab.RoomWire as JSON, NULL for none.

ALTER TABLE workshops ADD COLUMN wire TEXT;
