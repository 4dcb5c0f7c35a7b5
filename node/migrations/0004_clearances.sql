-- Screening hits and officers' clearances of attested transfers (issue 14).
-- (Version 3 is left to the regulator's audit log.)

-- The name hit holding our transfer in REVIEW (JSON: slot, list id, version, root,
-- publisher), until an officer clears it or rejects the transfer.
ALTER TABLE attestations ADD COLUMN hit TEXT;
-- Officers' clearances (JSON array of zktr-records Clearance), one per party at most.
ALTER TABLE attestations ADD COLUMN clearances TEXT;
