-- The partners' prices of a reservation's trips (live or recorded quotes,
-- or rate cards), so that the order service can book each partner with
-- the quote the plan was priced with. Each item's own quote id lives in
-- its entry of items.
ALTER TABLE reservations ADD COLUMN quotes jsonb NOT NULL DEFAULT '[]'::jsonb;
