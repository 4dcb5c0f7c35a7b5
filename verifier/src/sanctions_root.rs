//! The signed root record of a sanctions set (list id, version, root, counts,
//! publication time, publisher key id, Ed25519 signature).
