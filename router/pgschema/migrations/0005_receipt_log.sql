-- The units stock updates brought in (serve --order-log-db): each row
-- whose on hand an update raised, by how much, when; seq orders those of
-- one time as they were written.
CREATE TABLE receipt_log (
    seq     bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL,
    node_id text        NOT NULL,
    sku     text        NOT NULL,
    qty     integer     NOT NULL CHECK (qty > 0)
);
CREATE INDEX receipt_log_at ON receipt_log (at);
