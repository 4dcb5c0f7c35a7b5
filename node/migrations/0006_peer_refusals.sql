-- Refusals of one outbox envelope that we answer by sending again (the peer's HMAC check
-- failed: the bytes were damaged on the way; or it lacks our keys: exchange and reseal),
-- counted apart from failed connections, so that a flaky network or a restarting peer
-- does not use up those few resends and leave a sound transfer for an officer to repair.
ALTER TABLE transfers ADD COLUMN peer_refusals INTEGER NOT NULL DEFAULT 0;
