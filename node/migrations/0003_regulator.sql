-- The regulator API (issue 15): the node's audit log of regulator requests.

-- One row per regulator request (list, get, disclose, audit-log; refused ones too).
-- Append-only and hash-linked: `hash` = SHA-256 over the entry's fields and `prev_hash`
-- (zktr_records::audit_log); the triggers refuse any change or removal.
CREATE TABLE regulator_audit (
    seq        INTEGER PRIMARY KEY,        -- from 0, no gaps
    at         INTEGER NOT NULL,           -- unix seconds
    caller     TEXT NOT NULL,              -- certificate CN
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,              -- never personal data
    outcome    TEXT NOT NULL,              -- never disclosed values
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);

CREATE TRIGGER regulator_audit_no_update BEFORE UPDATE ON regulator_audit
BEGIN
    SELECT RAISE(ABORT, 'the regulator audit log is append-only');
END;

CREATE TRIGGER regulator_audit_no_delete BEFORE DELETE ON regulator_audit
BEGIN
    SELECT RAISE(ABORT, 'the regulator audit log is append-only');
END;

-- Listing attestations by period.
CREATE INDEX transfers_created ON transfers(created_at, id);
