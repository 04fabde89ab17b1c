-- The orders the replicas routed (serve --order-log-db), each once: its
-- id, when it was created (as planned), and its rows of an orders file
-- (simulate.OrderHeader's columns). seq orders them as they were written,
-- for readers that follow the table.
CREATE TABLE order_log (
    seq        bigserial   PRIMARY KEY,
    order_id   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    rows       text        NOT NULL
);
CREATE INDEX order_log_created_at ON order_log (created_at);
