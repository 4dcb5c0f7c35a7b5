-- zktr node storage, version 1. Times are RFC 3339 UTC strings; ids are envelope UUIDs.

-- One row per transfer (one TRISA envelope id), either side.
CREATE TABLE transfers (
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('originator', 'beneficiary')),
    peer         TEXT NOT NULL,            -- counterparty's certificate CN
    state        TEXT NOT NULL,            -- STARTED PENDING REVIEW REPAIR ACCEPTED COMPLETED REJECTED
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    txid         TEXT,
    last_error   TEXT,                     -- never personal data
    -- Our own payload (originator), AES-256-GCM under the per-transfer data key, which is
    -- stored wrapped by the node's storage key. NULL data_key = erased.
    payload      BLOB,
    data_key     BLOB,
    -- Outbox: an envelope of ours waits to be delivered (envelopes.seq of it).
    outbox_seq   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT,
    -- Timestamp of the newest envelope received from the peer (ordering rule).
    last_in_ts   TEXT
);
CREATE INDEX transfers_state ON transfers(state);
CREATE INDEX transfers_outbox ON transfers(next_attempt) WHERE outbox_seq IS NOT NULL;

-- Every state a transfer went through.
CREATE TABLE transfer_events (
    transfer_id  TEXT NOT NULL REFERENCES transfers(id),
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    state        TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (transfer_id, seq)
);

-- Every envelope as it travelled (binary protobuf). Received envelopes stay sealed for
-- our key; ours are sealed for the peer.
CREATE TABLE envelopes (
    transfer_id  TEXT NOT NULL REFERENCES transfers(id),
    seq          INTEGER NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind         TEXT NOT NULL CHECK (kind IN ('request', 'reply')),
    -- Identity of a received request for idempotency: its HMAC, or for an error envelope
    -- the SHA-256 of its bytes.
    idem_key     BLOB,
    reply_seq    INTEGER,                  -- for a received request: our stored reply
    at           TEXT NOT NULL,
    -- Empty for an outgoing request not yet sealed (the peer's key was not known yet).
    envelope     BLOB NOT NULL,
    -- For an outgoing request: what to seal (the binary Payload, under its own data key
    -- wrapped by the storage key) and the transfer state to put on the envelope, so it
    -- can be sealed again if the peer's key changes.
    plain        BLOB,
    plain_key    BLOB,
    out_state    INTEGER,
    PRIMARY KEY (transfer_id, seq)
);
CREATE UNIQUE INDEX envelopes_idem ON envelopes(transfer_id, idem_key)
    WHERE direction = 'in' AND kind = 'request';

-- Peers' sealing keys from KeyExchange (SubjectPublicKeyInfo DER), by certificate CN.
CREATE TABLE peer_keys (
    peer         TEXT PRIMARY KEY,
    key_der      BLOB NOT NULL,
    fetched_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- Our customers' addresses (ConfirmAddress, the beneficiary check).
CREATE TABLE customer_addresses (
    address      TEXT NOT NULL,
    network      TEXT NOT NULL DEFAULT '',
    customer     TEXT NOT NULL DEFAULT '',
    added_at     TEXT NOT NULL,
    PRIMARY KEY (address, network)
);
