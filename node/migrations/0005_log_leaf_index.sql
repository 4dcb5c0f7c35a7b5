-- Finding a commitment's position in our log (inclusion proofs for the prover, the
-- CommitmentLog service and the regulator) was a scan of every leaf: an audit of n
-- transfers cost O(n^2). A partial index over the leaves makes it a lookup.
CREATE INDEX log_leaf_value ON log_nodes (value, idx) WHERE height = 0;
