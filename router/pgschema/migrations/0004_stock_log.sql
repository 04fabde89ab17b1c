-- The stock each UTC day started with (serve --order-log-db), kept by the
-- first replica to take it: a stock file (node,sku,on_hand,safety_stock,
-- on hand less the units then reserved), from which that day's orders in
-- order_log are replayed.
CREATE TABLE stock_log (
    day      date        PRIMARY KEY,
    taken_at timestamptz NOT NULL,
    stock    text        NOT NULL
);
