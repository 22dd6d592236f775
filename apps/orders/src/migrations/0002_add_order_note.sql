-- Expand only: a nullable column, which the release before this one neither reads nor writes.
ALTER TABLE orders ADD COLUMN note text CHECK (note IS NULL OR char_length(note) <= 500);
