-- The receipt log also keeps the falls of stock (serve --order-log-db):
-- a row whose on hand an update lowered, by a negative qty (a sale at the
-- till, a write-off, a recount down).
ALTER TABLE receipt_log DROP CONSTRAINT receipt_log_qty_check;
ALTER TABLE receipt_log ADD CONSTRAINT receipt_log_qty_check CHECK (qty <> 0);
