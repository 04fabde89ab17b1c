-- A fall of stock that is not demand (a recount, a write-off: a stock
-- update whose reason is STOCK_CHANGE_REASON_ADJUSTMENT) is kept marked,
-- so that the look-ahead's planners learn the other channels' demand from
-- the sales only.
ALTER TABLE receipt_log ADD COLUMN adjustment boolean NOT NULL DEFAULT false;
