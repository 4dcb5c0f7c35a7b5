-- Attested transfers (issue 14): the commitment log, proofs and receipts.

-- Whether a transfer travels with proofs (1) or as plain TRISA (0).
ALTER TABLE transfers ADD COLUMN attested INTEGER NOT NULL DEFAULT 0;
-- How an envelope row is encoded: 'trisa' (SecureEnvelope) or 'attested'
-- (AttestedEnvelope / AttestedReply of zktr.transfer.v1).
ALTER TABLE envelopes ADD COLUMN format TEXT NOT NULL DEFAULT 'trisa';

-- Every node of our commitment log (height 0 = leaves), so a restart restores the log
-- without rehashing it.
CREATE TABLE log_nodes (
    height  INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    value   BLOB NOT NULL,
    PRIMARY KEY (height, idx)
);

-- The tree heads we signed.
CREATE TABLE log_heads (
    size      INTEGER PRIMARY KEY,
    root      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    signature BLOB NOT NULL
);

-- The last tree head we saw of each peer's log (a fork shows as an inconsistency).
CREATE TABLE peer_heads (
    log_id    TEXT PRIMARY KEY,
    peer      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    root      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    signature BLOB NOT NULL
);

-- One attestation per attested transfer, either side.
CREATE TABLE attestations (
    transfer_id TEXT PRIMARY KEY REFERENCES transfers(id),
    -- Originator: the facts the back office gave (JSON: fiat value, currency, asset...).
    facts       TEXT,
    commitment  BLOB,
    log_index   INTEGER,
    -- Originator: the commitment opening (master salt + facts), encrypted at rest.
    opening     BLOB,
    opening_key BLOB,
    -- The ProofBundle (zktr.bundle.v1, binary).
    bundle      BLOB,
    -- The beneficiary's receipt (JSON): issued by us, or received from the peer.
    receipt     TEXT
);
