-- The ledger of one omniroute network, shared by every replica.
--
-- stock and capacity rows carry a version (from one sequence, so a row's
-- versions grow in the order its changes commit) and the id of the
-- transaction that last changed them (changed_xid). Triggers set both on
-- every insert and update, however it is made, and wake the replicas with
-- a NOTIFY on omniroute_ledger; a replica then reads the rows whose
-- changed_xid is at or above the oldest transaction that was still running
-- when it last read, so no commit is ever skipped.

CREATE SEQUENCE omniroute_version;

CREATE TABLE stock (
    node_id     text    NOT NULL,
    sku         text    NOT NULL,
    on_hand     integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    safety      integer NOT NULL DEFAULT 0 CHECK (safety >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    seq         bigint  NOT NULL DEFAULT 0 CHECK (seq >= 0),
    version     bigint  NOT NULL DEFAULT 0,
    changed_xid bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, sku)
);
CREATE INDEX stock_changed ON stock (changed_xid);

-- Units picked per node per capacity day (days since 1970-01-01 in the
-- network's local time).
CREATE TABLE capacity (
    node_id     text    NOT NULL,
    day         bigint  NOT NULL,
    used        integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    version     bigint  NOT NULL DEFAULT 0,
    changed_xid bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, day)
);
CREATE INDEX capacity_changed ON capacity (changed_xid);

CREATE TABLE reservations (
    id          text        PRIMARY KEY,
    order_id    text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED')),
    fingerprint text        NOT NULL,
    items       jsonb       NOT NULL,
    plan        bytea,
    day         bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
-- Idempotency: one live reservation per order id, across replicas.
CREATE UNIQUE INDEX reservations_live_order ON reservations (order_id) WHERE state IN ('ACTIVE', 'COMMITTED');
CREATE INDEX reservations_due ON reservations (expires_at) WHERE state = 'ACTIVE';
CREATE INDEX reservations_closed ON reservations (updated_at) WHERE state <> 'ACTIVE';

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE FUNCTION omniroute_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('omniroute_version');
    NEW.changed_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;

CREATE FUNCTION omniroute_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('omniroute_ledger', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_touch BEFORE INSERT OR UPDATE ON stock
    FOR EACH ROW EXECUTE FUNCTION omniroute_touch();
CREATE TRIGGER stock_notify AFTER INSERT OR UPDATE ON stock
    FOR EACH STATEMENT EXECUTE FUNCTION omniroute_notify();
CREATE TRIGGER capacity_touch BEFORE INSERT OR UPDATE ON capacity
    FOR EACH ROW EXECUTE FUNCTION omniroute_touch();
CREATE TRIGGER capacity_notify AFTER INSERT OR UPDATE ON capacity
    FOR EACH STATEMENT EXECUTE FUNCTION omniroute_notify();

-- The capacity day of the database's clock in a network's local time.
CREATE FUNCTION omniroute_day(tz_offset_minutes integer) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT floor((extract(epoch FROM now()) + tz_offset_minutes * 60) / 86400)::bigint
$$;
