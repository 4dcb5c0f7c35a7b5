-- Circuit version 2 (issue 11): the commitment log is a 4-ary tree of 16 levels
-- (committed/v2), no longer version 1's binary tree of depth 32.
--
-- The leaves (height 0: the commitments, in order) are the log's contents and stay. The
-- binary inner nodes go; SQL cannot hash, so the node rebuilds the 4-ary ones from the
-- leaves when it next starts (`AttestCore::open`), in one transaction, before it serves.
DELETE FROM log_nodes WHERE height > 0;

-- Heads we signed under zktr.tree-head.v1 are of the binary roots: kept for the record,
-- apart. The node signs a version-2 head of the same leaves when next asked.
ALTER TABLE log_heads RENAME TO log_heads_v1;
CREATE TABLE log_heads (
    size      INTEGER PRIMARY KEY,
    root      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    signature BLOB NOT NULL
);

-- A peer's version-1 head cannot be proven consistent with its version-2 heads (the
-- roots are of different trees): kept apart, and fork tracking of each peer's log starts
-- again at the first version-2 head it sends.
ALTER TABLE peer_heads RENAME TO peer_heads_v1;
CREATE TABLE peer_heads (
    log_id    TEXT PRIMARY KEY,
    peer      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    root      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    signature BLOB NOT NULL
);
