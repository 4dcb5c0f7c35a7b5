//! The node's storage: one SQLite file through sqlx (`migrations/` beside this crate).
//!
//! * WAL journal with `synchronous = FULL`: a transaction that returned is on disk, so
//!   "acknowledged" can mean "committed". Every write that a reply or an acknowledgement
//!   depends on happens in one transaction before that reply is sent.
//! * Received envelopes are stored as they arrived (sealed for our key); our own payloads
//!   are AES-256-GCM under a per-transfer data key stored wrapped by the storage key
//!   ([`crate::vault`]); nothing here holds personal data in the clear.
//! * Idempotent receive: a received request is identified by `(transfer id, HMAC)` (the
//!   SHA-256 of the envelope for an error envelope, which has no HMAC), and a unique
//!   index makes a second insert of the same request fail, so two copies arriving at
//!   once cannot both be recorded.
//!
//! Only the node's services call this; nothing here knows TRISA's rules, which live in
//! [`crate::exchange`].

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A transfer with this id already exists.
    #[error("transfer {0} already exists")]
    Exists(String),
    /// No transfer with this id.
    #[error("no transfer {0}")]
    NotFound(String),
    /// The same request was already recorded (idempotent receive).
    #[error("this envelope of transfer {0} was already received")]
    Duplicate(String),
    /// The transfer was not in a state that allows the change (it changed meanwhile).
    #[error("transfer {id} is {actual}, not {expected}")]
    Conflict {
        /// The transfer.
        id: String,
        /// The state the change expected.
        expected: String,
        /// The state it is in.
        actual: String,
    },
    /// A stored value is not what this version wrote.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Which side of a transfer this node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We send the travel-rule data.
    Originator,
    /// We receive it.
    Beneficiary,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Originator => "originator",
            Role::Beneficiary => "beneficiary",
        }
    }
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "originator" => Ok(Role::Originator),
            "beneficiary" => Ok(Role::Beneficiary),
            _ => Err(StoreError::Corrupt(format!("role {s:?}"))),
        }
    }
}

/// The node's view of a transfer, named after TRISA's transfer states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created here; the first envelope is not yet answered.
    Started,
    /// Waiting for the counterparty.
    Pending,
    /// Waiting for our compliance officer.
    Review,
    /// The counterparty asked for a correction (originator), or we did (beneficiary).
    Repair,
    /// Accepted by the beneficiary; waiting for the on-chain transaction.
    Accepted,
    /// The on-chain transaction id was exchanged.
    Completed,
    /// Refused by either side; final.
    Rejected,
}

impl State {
    /// All states.
    pub const ALL: [State; 7] = [
        State::Started,
        State::Pending,
        State::Review,
        State::Repair,
        State::Accepted,
        State::Completed,
        State::Rejected,
    ];

    /// The stored (and displayed) name, TRISA's enum name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Started => "STARTED",
            State::Pending => "PENDING",
            State::Review => "REVIEW",
            State::Repair => "REPAIR",
            State::Accepted => "ACCEPTED",
            State::Completed => "COMPLETED",
            State::Rejected => "REJECTED",
        }
    }

    /// Whether nothing can follow.
    pub fn is_final(self) -> bool {
        matches!(self, State::Completed | State::Rejected)
    }
}

impl FromStr for State {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| StoreError::Corrupt(format!("state {s:?}")))
    }
}

impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored transfer (no personal data).
#[derive(Debug, Clone)]
pub struct TransferRow {
    /// Envelope id.
    pub id: String,
    /// Our side.
    pub role: Role,
    /// The counterparty's CN.
    pub peer: String,
    /// Current state.
    pub state: State,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// On-chain transaction id, once known.
    pub txid: Option<String>,
    /// Last error (never personal data).
    pub last_error: Option<String>,
    /// Whether an envelope of ours waits to be delivered.
    pub sending: bool,
    /// Whether the transfer's data key was deleted.
    pub erased: bool,
    /// Timestamp of the newest envelope the peer sent.
    pub last_in_ts: Option<String>,
    /// Whether the transfer travels with proofs.
    pub attested: bool,
}

/// One state change.
#[derive(Debug, Clone)]
pub struct StateChange {
    /// RFC 3339.
    pub at: String,
    /// The new state.
    pub state: State,
    /// Why.
    pub note: String,
}

/// Our encrypted payload of an originated transfer.
#[derive(Debug, Clone)]
pub struct SealedPayload {
    /// The AES-256-GCM ciphertext of the binary `Payload`.
    pub payload: Vec<u8>,
    /// The data key, wrapped by the storage key.
    pub data_key: Vec<u8>,
}

/// An envelope waiting in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    /// The transfer.
    pub id: String,
    /// The peer to deliver to.
    pub peer: String,
    /// The stored envelope's sequence number.
    pub seq: i64,
    /// The envelope (binary protobuf); empty if not sealed yet.
    pub envelope: Vec<u8>,
    /// What to seal, if the envelope carries a payload.
    pub plain: Option<SealedPayload>,
    /// The transfer state to put on the envelope.
    pub out_state: i32,
    /// Attempts so far.
    pub attempts: i64,
    /// Of those, refusals by the peer answered by sending again (see
    /// [`Store::count_peer_refusal`]).
    pub peer_refusals: i64,
}

/// An envelope of ours to queue: either ready bytes (an error envelope) or a payload to
/// seal for the peer at delivery time.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A finished envelope (binary protobuf).
    Ready(Vec<u8>),
    /// A payload (vault-sealed binary `Payload`) to seal with this transfer state.
    Payload {
        /// The payload, encrypted at rest.
        plain: SealedPayload,
        /// `trisa.api.v1beta1.TransferState` of the envelope.
        state: i32,
    },
}

/// A received request and our reply, recorded together.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The transfer id.
    pub id: &'a str,
    /// The sender's CN.
    pub peer: &'a str,
    /// Our side (for a new transfer).
    pub role: Role,
    /// The state after this exchange.
    pub state: State,
    /// Why (state history).
    pub note: &'a str,
    /// Idempotency key of the request.
    pub idem_key: &'a [u8],
    /// The request as received.
    pub request: &'a [u8],
    /// Our reply.
    pub reply: &'a [u8],
    /// The request's envelope timestamp.
    pub request_ts: &'a str,
    /// A txid learned from the request.
    pub txid: Option<&'a str>,
    /// An error to remember (never personal data).
    pub last_error: Option<&'a str>,
    /// Whether this is a new transfer (insert) or a state change of an existing one.
    pub new: bool,
    /// For a state change, the state the transfer must still be in.
    pub expect: Option<State>,
    /// Now.
    pub now: &'a str,
    /// `trisa` or `attested` (how the request and reply are encoded).
    pub format: &'a str,
    /// For an attested transfer: what to store about its proofs.
    pub attestation: Option<&'a ReceivedAttestation>,
}

/// What a beneficiary stores about an attested transfer it received.
#[derive(Debug, Clone)]
pub struct ReceivedAttestation {
    /// `C`, 32 bytes.
    pub commitment: Vec<u8>,
    /// The bundle (binary).
    pub bundle: Vec<u8>,
    /// The receipt we issued (JSON), if any.
    pub receipt: Option<String>,
}

/// The stored attestation of a transfer.
#[derive(Debug, Clone)]
pub struct AttestationRow {
    /// The back office's facts (originator).
    pub facts: crate::attest::Facts,
    /// `C`, once committed.
    pub commitment: Option<zktr_circuits::commitment::Commitment>,
    /// The opening, encrypted at rest (originator).
    pub opening: Option<SealedPayload>,
    /// The bundle (binary), once proved.
    pub bundle: Option<Vec<u8>>,
    /// The receipt (JSON).
    pub receipt: Option<String>,
}

/// How every write transaction begins. `BEGIN IMMEDIATE` takes SQLite's write lock at
/// the start, waiting for it under the busy timeout. A deferred `BEGIN` would read first
/// and take the lock at its first write; in WAL mode that upgrade fails at once with
/// `SQLITE_BUSY` (the busy timeout does not apply) whenever another connection committed
/// since the read, which a busy node does all the time (the outbox, concurrent receives):
/// the likely cause of a back-office `complete` answered "storage failed" in a loaded
/// fault run (`tests/attested_faults.rs`).
pub(crate) const WRITE_TRANSACTION: &str = "BEGIN IMMEDIATE";

/// The database: one connection that writes, several that read.
///
/// Every write (a transaction or a single statement) goes through `writer`, a pool of
/// one connection, so writers queue in the process, in order, and are woken the moment
/// the connection is free. With several connections writing, SQLite lets one take its
/// write lock and makes the others wait in its busy handler, which sleeps and polls
/// (1, 2, 5, 10, ... up to 100 ms between tries): concurrent unary transfers waited up
/// to ~100 ms that way (the p99 of `zktr bench node` at 8 in flight, against ~30 ms over
/// one stream, whose envelopes are handled one after another). Readers use `readers`
/// (opened read-only, so a write that bypassed the writer fails loudly rather than
/// contending); in WAL mode they never wait for the writer. The busy timeout still
/// covers other processes (an operator's `sqlite3` shell).
#[derive(Debug, Clone)]
pub struct Store {
    readers: SqlitePool,
    writer: SqlitePool,
    timer: Option<crate::metrics::StorageTimer>,
}

impl Store {
    /// The read-only connections, for the store's extensions in other modules
    /// ([`crate::review`], [`crate::regulator`]).
    pub(crate) fn readers(&self) -> &SqlitePool {
        &self.readers
    }

    /// The one writing connection (see [`Store`]): every write goes through it.
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Records the time of the store's operations in `timer` (`zktr_storage_seconds`).
    pub fn with_timer(mut self, timer: crate::metrics::StorageTimer) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Times `op` until the returned guard drops (nothing without a timer).
    pub(crate) fn time(&self, op: &'static str) -> Option<crate::metrics::StorageGuard<'_>> {
        self.timer.as_ref().map(|t| t.start(op))
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

fn corrupt(e: sqlx::Error) -> StoreError {
    StoreError::Database(e)
}

fn fr32(bytes: &[u8]) -> Result<zktr_circuits::Fr, StoreError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a stored field element is not 32 bytes".into()))?;
    zktr_circuits::field::fr_from_be_bytes(&arr).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn head_of(
    log_id: &str,
    r: &sqlx::sqlite::SqliteRow,
) -> Result<zktr_records::SignedTreeHead, StoreError> {
    let size: i64 = r.try_get("size").map_err(corrupt)?;
    let root: Vec<u8> = r.try_get("root").map_err(corrupt)?;
    let time: i64 = r.try_get("time").map_err(corrupt)?;
    let sig: Vec<u8> = r.try_get("signature").map_err(corrupt)?;
    Ok(zktr_records::SignedTreeHead {
        log_id: log_id.to_string(),
        size: size as u64,
        root: zktr_circuits::trees::log::LogRoot(fr32(&root)?),
        time: time as u64,
        signature: sig
            .try_into()
            .map_err(|_| StoreError::Corrupt("a stored signature is not 64 bytes".into()))?,
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.create_if_missing(false).read_only(true))
            .await?;
        Ok(Self {
            readers,
            writer,
            timer: None,
        })
    }

    /// Closes every connection (a clean WAL checkpoint).
    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.readers).await.is_ok()
    }

    fn row_to_transfer(r: &sqlx::sqlite::SqliteRow) -> Result<TransferRow, StoreError> {
        let role: String = r.try_get("role").map_err(corrupt)?;
        let state: String = r.try_get("state").map_err(corrupt)?;
        let outbox: Option<i64> = r.try_get("outbox_seq").map_err(corrupt)?;
        let key: Option<Vec<u8>> = r.try_get("data_key").map_err(corrupt)?;
        let payload: Option<Vec<u8>> = r.try_get("payload").map_err(corrupt)?;
        Ok(TransferRow {
            id: r.try_get("id").map_err(corrupt)?,
            role: Role::parse(&role)?,
            peer: r.try_get("peer").map_err(corrupt)?,
            state: state.parse()?,
            created_at: r.try_get("created_at").map_err(corrupt)?,
            updated_at: r.try_get("updated_at").map_err(corrupt)?,
            txid: r.try_get("txid").map_err(corrupt)?,
            last_error: r.try_get("last_error").map_err(corrupt)?,
            sending: outbox.is_some(),
            erased: payload.is_some() && key.is_none(),
            last_in_ts: r.try_get("last_in_ts").map_err(corrupt)?,
            attested: r.try_get::<i64, _>("attested").map_err(corrupt)? != 0,
        })
    }

    /// One transfer.
    pub async fn transfer(&self, id: &str) -> Result<Option<TransferRow>, StoreError> {
        let _timed = self.time("transfer");
        let row = sqlx::query("SELECT * FROM transfers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(Self::row_to_transfer).transpose()
    }

    /// Transfers, newest first, optionally in one state.
    pub async fn transfers(
        &self,
        state: Option<State>,
        limit: u32,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let limit = i64::from(limit.clamp(1, 10_000));
        let rows =
            match state {
                Some(s) => sqlx::query(
                    "SELECT * FROM transfers WHERE state = ? ORDER BY created_at DESC, id LIMIT ?",
                )
                .bind(s.as_str())
                .bind(limit)
                .fetch_all(&self.readers)
                .await?,
                None => {
                    sqlx::query("SELECT * FROM transfers ORDER BY created_at DESC, id LIMIT ?")
                        .bind(limit)
                        .fetch_all(&self.readers)
                        .await?
                }
            };
        rows.iter().map(Self::row_to_transfer).collect()
    }

    /// Counts of transfers per state (metrics, readiness).
    pub async fn counts(&self) -> Result<Vec<(State, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM transfers GROUP BY state")
            .fetch_all(&self.readers)
            .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("state").map_err(corrupt)?;
                Ok((s.parse()?, r.try_get("n").map_err(corrupt)?))
            })
            .collect()
    }

    /// Counts of transfers per state and counterparty (metrics).
    pub async fn counts_by_peer(&self) -> Result<Vec<(State, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT state, peer, COUNT(*) AS n FROM transfers GROUP BY state, peer ORDER BY state, peer",
        )
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("state").map_err(corrupt)?;
                Ok((
                    s.parse()?,
                    r.try_get("peer").map_err(corrupt)?,
                    r.try_get("n").map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// Envelopes of ours waiting to be delivered (metrics).
    pub async fn outbox_depth(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM transfers WHERE outbox_seq IS NOT NULL")
            .fetch_one(&self.readers)
            .await?;
        row.try_get("n").map_err(corrupt)
    }

    /// The state history of a transfer, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<StateChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, state, note FROM transfer_events WHERE transfer_id = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("state").map_err(corrupt)?;
                Ok(StateChange {
                    at: r.try_get("at").map_err(corrupt)?,
                    state: s.parse()?,
                    note: r.try_get("note").map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// The envelopes of a transfer as `(direction, kind, bytes)`, in order.
    pub async fn envelopes(&self, id: &str) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT direction, kind, envelope FROM envelopes WHERE transfer_id = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("direction").map_err(corrupt)?,
                    r.try_get("kind").map_err(corrupt)?,
                    r.try_get("envelope").map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// Our encrypted payload of an originated transfer (None if erased or not ours).
    pub async fn sealed_payload(&self, id: &str) -> Result<Option<SealedPayload>, StoreError> {
        let row = sqlx::query("SELECT payload, data_key FROM transfers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(id.to_string()));
        };
        let payload: Option<Vec<u8>> = row.try_get("payload").map_err(corrupt)?;
        let data_key: Option<Vec<u8>> = row.try_get("data_key").map_err(corrupt)?;
        Ok(payload
            .zip(data_key)
            .map(|(payload, data_key)| SealedPayload { payload, data_key }))
    }

    /// The reply stored for a request already received, with its format (`trisa` or
    /// `attested`).
    pub async fn stored_reply(
        &self,
        id: &str,
        idem_key: &[u8],
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let _timed = self.time("stored_reply");
        let row = sqlx::query(
            "SELECT r.format, r.envelope FROM envelopes q JOIN envelopes r
               ON r.transfer_id = q.transfer_id AND r.seq = q.reply_seq
             WHERE q.transfer_id = ? AND q.idem_key = ? AND q.direction = 'in' AND q.kind = 'request'",
        )
        .bind(id)
        .bind(idem_key)
        .fetch_optional(&self.readers)
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("format").map_err(corrupt)?,
                r.try_get("envelope").map_err(corrupt)?,
            ))
        })
        .transpose()
    }

    async fn next_seq(
        tx: &mut sqlx::SqliteConnection,
        table: &str,
        id: &str,
    ) -> Result<i64, StoreError> {
        let sql = match table {
            "envelopes" => "SELECT COALESCE(MAX(seq), 0) + 1 FROM envelopes WHERE transfer_id = ?",
            _ => "SELECT COALESCE(MAX(seq), 0) + 1 FROM transfer_events WHERE transfer_id = ?",
        };
        let n: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(&mut *tx).await?;
        Ok(n)
    }

    pub(crate) async fn event(
        tx: &mut sqlx::SqliteConnection,
        id: &str,
        state: State,
        note: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let seq = Self::next_seq(tx, "transfer_events", id).await?;
        sqlx::query(
            "INSERT INTO transfer_events (transfer_id, seq, at, state, note) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(seq)
        .bind(now)
        .bind(state.as_str())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn insert_envelope(
        tx: &mut sqlx::SqliteConnection,
        id: &str,
        direction: &str,
        kind: &str,
        idem_key: Option<&[u8]>,
        bytes: &[u8],
        now: &str,
    ) -> Result<i64, StoreError> {
        let seq = Self::next_seq(tx, "envelopes", id).await?;
        sqlx::query(
            "INSERT INTO envelopes (transfer_id, seq, direction, kind, idem_key, at, envelope)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(seq)
        .bind(direction)
        .bind(kind)
        .bind(idem_key)
        .bind(now)
        .bind(bytes)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Duplicate(id.to_string())
            }
            _ => StoreError::Database(e),
        })?;
        Ok(seq)
    }

    async fn current_state(tx: &mut sqlx::SqliteConnection, id: &str) -> Result<State, StoreError> {
        let s: Option<String> = sqlx::query_scalar("SELECT state FROM transfers WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        s.ok_or_else(|| StoreError::NotFound(id.to_string()))?
            .parse()
    }

    /// Records a received request and our reply in one transaction. Fails with
    /// [`StoreError::Duplicate`] if the same request was recorded before, and with
    /// [`StoreError::Conflict`] if the transfer left `expect` meanwhile; then nothing is
    /// written.
    pub async fn record_incoming(&self, rec: &Incoming<'_>) -> Result<(), StoreError> {
        let _timed = self.time("record_incoming");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        if rec.new {
            let inserted = sqlx::query(
                "INSERT INTO transfers (id, role, peer, state, created_at, updated_at, txid, last_error, last_in_ts)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
            )
            .bind(rec.id)
            .bind(rec.role.as_str())
            .bind(rec.peer)
            .bind(rec.state.as_str())
            .bind(rec.now)
            .bind(rec.now)
            .bind(rec.txid)
            .bind(rec.last_error)
            .bind(rec.request_ts)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::Exists(rec.id.to_string()));
            }
        } else {
            let actual = Self::current_state(&mut tx, rec.id).await?;
            if let Some(expected) = rec.expect
                && actual != expected
            {
                return Err(StoreError::Conflict {
                    id: rec.id.to_string(),
                    expected: expected.to_string(),
                    actual: actual.to_string(),
                });
            }
            sqlx::query(
                "UPDATE transfers SET state = ?, updated_at = ?, txid = COALESCE(?, txid),
                        last_error = ?, last_in_ts = ? WHERE id = ?",
            )
            .bind(rec.state.as_str())
            .bind(rec.now)
            .bind(rec.txid)
            .bind(rec.last_error)
            .bind(rec.request_ts)
            .bind(rec.id)
            .execute(&mut *tx)
            .await?;
        }
        let q = Self::insert_envelope(
            &mut tx,
            rec.id,
            "in",
            "request",
            Some(rec.idem_key),
            rec.request,
            rec.now,
        )
        .await?;
        let r = Self::insert_envelope(&mut tx, rec.id, "out", "reply", None, rec.reply, rec.now)
            .await?;
        if rec.format != "trisa" {
            sqlx::query("UPDATE envelopes SET format = ? WHERE transfer_id = ? AND seq IN (?, ?)")
                .bind(rec.format)
                .bind(rec.id)
                .bind(q)
                .bind(r)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(a) = rec.attestation {
            sqlx::query("UPDATE transfers SET attested = 1 WHERE id = ?")
                .bind(rec.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO attestations (transfer_id, commitment, bundle, receipt) VALUES (?, ?, ?, ?)",
            )
            .bind(rec.id)
            .bind(&a.commitment)
            .bind(&a.bundle)
            .bind(&a.receipt)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE envelopes SET reply_seq = ? WHERE transfer_id = ? AND seq = ?")
            .bind(r)
            .bind(rec.id)
            .bind(q)
            .execute(&mut *tx)
            .await?;
        Self::event(&mut tx, rec.id, rec.state, rec.note, rec.now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a transfer we originate, in STARTED, with our encrypted payload and its
    /// first envelope in the outbox, in one transaction. Fails with
    /// [`StoreError::Exists`] if the id is taken.
    pub async fn create_originated(
        &self,
        id: &str,
        peer: &str,
        sealed: &SealedPayload,
        first: &Outgoing,
        facts: Option<&crate::attest::Facts>,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("create_originated");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        let inserted = sqlx::query(
            "INSERT INTO transfers (id, role, peer, state, created_at, updated_at, payload, data_key, next_attempt)
             VALUES (?, 'originator', ?, 'STARTED', ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        )
        .bind(id)
        .bind(peer)
        .bind(now)
        .bind(now)
        .bind(&sealed.payload)
        .bind(&sealed.data_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Exists(id.to_string()));
        }
        Self::event(
            &mut tx,
            id,
            State::Started,
            "submitted by the back office",
            now,
        )
        .await?;
        Self::queue_in(&mut tx, id, first, None, "", None, now).await?;
        if let Some(f) = facts {
            let json = serde_json::to_string(f).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query("UPDATE transfers SET attested = 1 WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO attestations (transfer_id, facts) VALUES (?, ?)")
                .bind(id)
                .bind(json)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces our encrypted payload (a repair or a completion), keeping the state.
    pub async fn replace_payload(
        &self,
        id: &str,
        sealed: &SealedPayload,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("replace_payload");
        sqlx::query("UPDATE transfers SET payload = ?, data_key = ?, updated_at = ? WHERE id = ?")
            .bind(&sealed.payload)
            .bind(&sealed.data_key)
            .bind(now)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Puts an envelope of ours in the outbox (replacing any undelivered one) and, with
    /// `state`, moves the transfer to it; the transfer must be in `expect` if given.
    #[allow(clippy::too_many_arguments)]
    pub async fn queue_envelope(
        &self,
        id: &str,
        envelope: &Outgoing,
        expect: Option<&[State]>,
        state: Option<State>,
        note: &str,
        txid: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("queue_envelope");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        let actual = Self::current_state(&mut tx, id).await?;
        if let Some(expected) = expect
            && !expected.contains(&actual)
        {
            return Err(StoreError::Conflict {
                id: id.to_string(),
                expected: expected
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                actual: actual.to_string(),
            });
        }
        Self::queue_in(&mut tx, id, envelope, state, note, txid, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn queue_in(
        tx: &mut sqlx::SqliteConnection,
        id: &str,
        envelope: &Outgoing,
        state: Option<State>,
        note: &str,
        txid: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError> {
        let (bytes, plain, out_state) = match envelope {
            Outgoing::Ready(b) => (b.as_slice(), None, None),
            Outgoing::Payload { plain, state } => (&[][..], Some(plain), Some(*state)),
        };
        let seq = Self::insert_envelope(tx, id, "out", "request", None, bytes, now).await?;
        sqlx::query(
            "UPDATE envelopes SET plain = ?, plain_key = ?, out_state = ? WHERE transfer_id = ? AND seq = ?",
        )
        .bind(plain.map(|p| &p.payload))
        .bind(plain.map(|p| &p.data_key))
        .bind(out_state)
        .bind(id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE transfers SET outbox_seq = ?, attempts = 0, peer_refusals = 0, next_attempt = ?, updated_at = ?,
                    state = COALESCE(?, state), txid = COALESCE(?, txid), last_error = NULL
             WHERE id = ?",
        )
        .bind(seq)
        .bind(now)
        .bind(now)
        .bind(state.map(State::as_str))
        .bind(txid)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(s) = state {
            Self::event(tx, id, s, note, now).await?;
        }
        Ok(())
    }

    /// The envelope waiting in the outbox of one transfer, if any (due or not).
    pub async fn outbox_of(&self, id: &str) -> Result<Option<OutboxItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, t.peer, t.outbox_seq, t.attempts, t.peer_refusals, e.envelope, e.plain, e.plain_key, e.out_state FROM transfers t
               JOIN envelopes e ON e.transfer_id = t.id AND e.seq = t.outbox_seq
             WHERE t.id = ? AND t.outbox_seq IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        Ok(Self::outbox_items(&rows)?.into_iter().next())
    }

    /// Envelopes due for delivery at `now`, oldest first.
    pub async fn due_outbox(&self, now: &str, limit: u32) -> Result<Vec<OutboxItem>, StoreError> {
        let _timed = self.time("due_outbox");
        let rows = sqlx::query(
            "SELECT t.id, t.peer, t.outbox_seq, t.attempts, t.peer_refusals, e.envelope, e.plain, e.plain_key, e.out_state FROM transfers t
               JOIN envelopes e ON e.transfer_id = t.id AND e.seq = t.outbox_seq
             WHERE t.outbox_seq IS NOT NULL AND (t.next_attempt IS NULL OR t.next_attempt <= ?)
             ORDER BY t.next_attempt LIMIT ?",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await?;
        Self::outbox_items(&rows)
    }

    fn outbox_items(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<OutboxItem>, StoreError> {
        rows.iter()
            .map(|r| {
                let plain: Option<Vec<u8>> = r.try_get("plain").map_err(corrupt)?;
                let plain_key: Option<Vec<u8>> = r.try_get("plain_key").map_err(corrupt)?;
                let out_state: Option<i64> = r.try_get("out_state").map_err(corrupt)?;
                Ok(OutboxItem {
                    id: r.try_get("id").map_err(corrupt)?,
                    peer: r.try_get("peer").map_err(corrupt)?,
                    seq: r.try_get("outbox_seq").map_err(corrupt)?,
                    attempts: r.try_get("attempts").map_err(corrupt)?,
                    peer_refusals: r.try_get("peer_refusals").map_err(corrupt)?,
                    envelope: r.try_get("envelope").map_err(corrupt)?,
                    plain: plain
                        .zip(plain_key)
                        .map(|(payload, data_key)| SealedPayload { payload, data_key }),
                    out_state: out_state.unwrap_or(0) as i32,
                })
            })
            .collect()
    }

    /// Stores the sealed form of an outgoing envelope (so every retry sends the same
    /// bytes, and the receiver's idempotency recognises them).
    pub async fn set_sealed_envelope(
        &self,
        id: &str,
        seq: i64,
        envelope: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE envelopes SET envelope = ? WHERE transfer_id = ? AND seq = ?")
            .bind(envelope)
            .bind(id)
            .bind(seq)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The requests the peer sent us for a transfer, newest first (still sealed for our
    /// key): where a beneficiary finds the originator's travel-rule data.
    pub async fn received_requests(&self, id: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT format, envelope FROM envelopes WHERE transfer_id = ? AND direction = 'in'
               AND kind = 'request' ORDER BY seq DESC",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("format").map_err(corrupt)?,
                    r.try_get("envelope").map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// The earliest next attempt in the outbox, if any.
    pub async fn next_outbox_time(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt) FROM transfers WHERE outbox_seq IS NOT NULL",
        )
        .fetch_one(&self.readers)
        .await?)
    }

    /// Records the peer's answer to our envelope `seq` and the resulting state, and takes
    /// the envelope out of the outbox, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_delivery(
        &self,
        id: &str,
        seq: i64,
        reply: &[u8],
        state: State,
        note: &str,
        last_error: Option<&str>,
        reply_ts: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("record_delivery");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        Self::insert_envelope(&mut tx, id, "in", "reply", None, reply, now).await?;
        let cleared = sqlx::query(
            "UPDATE transfers SET outbox_seq = NULL, next_attempt = NULL, state = ?, updated_at = ?,
                    last_error = ?, last_in_ts = COALESCE(?, last_in_ts)
             WHERE id = ? AND outbox_seq = ?",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(last_error)
        .bind(reply_ts)
        .bind(id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if cleared.rows_affected() == 0 {
            // Another envelope replaced this one meanwhile: keep the answer, change nothing.
            tx.commit().await?;
            return Ok(());
        }
        Self::event(&mut tx, id, state, note, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed delivery attempt (the envelope stays in the outbox).
    pub async fn record_attempt_failed(
        &self,
        id: &str,
        seq: i64,
        error: &str,
        next_attempt: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("record_attempt_failed");
        sqlx::query(
            "UPDATE transfers SET attempts = attempts + 1, next_attempt = ?, last_error = ?, updated_at = ?
             WHERE id = ? AND outbox_seq = ?",
        )
        .bind(next_attempt)
        .bind(error)
        .bind(now)
        .bind(id)
        .bind(seq)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Counts a refusal of outbox envelope `seq` that we answer by sending it again (a
    /// damaged envelope, keys to exchange): only a few are allowed per envelope, however
    /// many connections failed around them.
    pub async fn count_peer_refusal(&self, id: &str, seq: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE transfers SET peer_refusals = peer_refusals + 1 WHERE id = ? AND outbox_seq = ?",
        )
        .bind(id)
        .bind(seq)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Makes every outbox envelope for `peer` that waits for a later retry due at `now`
    /// (the peer answers again). Returns how many.
    pub async fn expedite_peer(&self, peer: &str, now: &str) -> Result<u64, StoreError> {
        let _timed = self.time("expedite_peer");
        let done = sqlx::query(
            "UPDATE transfers SET next_attempt = ?
             WHERE peer = ? AND outbox_seq IS NOT NULL AND next_attempt > ?",
        )
        .bind(now)
        .bind(peer)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Moves a transfer from one of `expect` to `state` (no envelope).
    pub async fn set_state(
        &self,
        id: &str,
        expect: &[State],
        state: State,
        note: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("set_state");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        let actual = Self::current_state(&mut tx, id).await?;
        if !expect.contains(&actual) {
            return Err(StoreError::Conflict {
                id: id.to_string(),
                expected: expect
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                actual: actual.to_string(),
            });
        }
        sqlx::query("UPDATE transfers SET state = ?, updated_at = ? WHERE id = ?")
            .bind(state.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::event(&mut tx, id, state, note, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a transfer's envelope out of the outbox without an answer (the node refused to
    /// send it, e.g. a screening hit) and moves the transfer to `state`.
    pub async fn hold(
        &self,
        id: &str,
        seq: i64,
        state: State,
        note: &str,
        error: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let _timed = self.time("hold");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        let r = sqlx::query(
            "UPDATE transfers SET outbox_seq = NULL, next_attempt = NULL, state = ?, last_error = ?, updated_at = ?
             WHERE id = ? AND outbox_seq = ?",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now)
        .bind(id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() > 0 {
            Self::event(&mut tx, id, state, note, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a final transfer's data keys (crypto-erasure of our copies of its personal
    /// data); returns whether anything was erased.
    pub async fn erase(&self, id: &str, note: &str, now: &str) -> Result<bool, StoreError> {
        let _timed = self.time("erase");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        let state = Self::current_state(&mut tx, id).await?;
        if !state.is_final() {
            return Err(StoreError::Conflict {
                id: id.to_string(),
                expected: "COMPLETED or REJECTED".into(),
                actual: state.to_string(),
            });
        }
        let a = sqlx::query(
            "UPDATE transfers SET data_key = NULL, updated_at = ? WHERE id = ? AND data_key IS NOT NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let b = sqlx::query(
            "UPDATE envelopes SET plain = NULL, plain_key = NULL WHERE transfer_id = ? AND plain_key IS NOT NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let c = sqlx::query(
            "UPDATE attestations SET opening = NULL, opening_key = NULL WHERE transfer_id = ? AND opening_key IS NOT NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let erased = a + b + c > 0;
        if erased {
            Self::event(&mut tx, id, state, note, now).await?;
        }
        tx.commit().await?;
        Ok(erased)
    }

    /// Every stored node of our commitment log.
    pub async fn log_nodes(&self) -> Result<Vec<(u32, u64, zktr_circuits::Fr)>, StoreError> {
        let rows = sqlx::query("SELECT height, idx, value FROM log_nodes")
            .fetch_all(&self.readers)
            .await?;
        rows.iter()
            .map(|r| {
                let h: i64 = r.try_get("height").map_err(corrupt)?;
                let i: i64 = r.try_get("idx").map_err(corrupt)?;
                let v: Vec<u8> = r.try_get("value").map_err(corrupt)?;
                Ok((h as u32, i as u64, fr32(&v)?))
            })
            .collect()
    }

    /// Inserts or replaces nodes `(height, index, value)` of our commitment log.
    async fn write_log_nodes(
        tx: &mut sqlx::SqliteConnection,
        nodes: &[(u32, u64, zktr_circuits::Fr)],
    ) -> Result<(), StoreError> {
        for (h, i, v) in nodes {
            sqlx::query(
                "INSERT INTO log_nodes (height, idx, value) VALUES (?, ?, ?)
                 ON CONFLICT(height, idx) DO UPDATE SET value = excluded.value",
            )
            .bind(i64::from(*h))
            .bind(*i as i64)
            .bind(zktr_circuits::field::fr_to_be_bytes(v).to_vec())
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Writes nodes of our commitment log (new or changed), in one transaction: the
    /// inner nodes a rebuild from the stored leaves computed.
    pub async fn put_log_nodes(
        &self,
        nodes: &[(u32, u64, zktr_circuits::Fr)],
    ) -> Result<(), StoreError> {
        let _timed = self.time("put_log_nodes");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        Self::write_log_nodes(&mut tx, nodes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new commitment: the log's changed nodes, `C`, its position and the
    /// encrypted opening, in one transaction.
    pub async fn record_commitment(
        &self,
        id: &str,
        commitment: &[u8; 32],
        index: u64,
        opening: &SealedPayload,
        nodes: &[(u32, u64, zktr_circuits::Fr)],
    ) -> Result<(), StoreError> {
        let _timed = self.time("record_commitment");
        let mut tx = self.writer.begin_with(WRITE_TRANSACTION).await?;
        Self::write_log_nodes(&mut tx, nodes).await?;
        let r = sqlx::query(
            "UPDATE attestations SET commitment = ?, log_index = ?, opening = ?, opening_key = ?
             WHERE transfer_id = ? AND commitment IS NULL",
        )
        .bind(commitment.to_vec())
        .bind(index as i64)
        .bind(&opening.payload)
        .bind(&opening.data_key)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                id: id.to_string(),
                expected: "not yet committed".into(),
                actual: "committed".into(),
            });
        }
        tx.commit().await?;
        Ok(())
    }

    /// The position of `C` in our log.
    pub async fn log_index_of(&self, commitment: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        let i: Option<i64> = sqlx::query_scalar(
            "SELECT idx FROM log_nodes WHERE height = 0 AND value = ? ORDER BY idx LIMIT 1",
        )
        .bind(commitment.to_vec())
        .fetch_optional(&self.readers)
        .await?;
        Ok(i.map(|i| i as u64))
    }

    /// The latest tree head we signed.
    pub async fn latest_log_head(
        &self,
        log_id: &str,
    ) -> Result<Option<zktr_records::SignedTreeHead>, StoreError> {
        let row = sqlx::query(
            "SELECT size, root, time, signature FROM log_heads ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.readers)
        .await?;
        row.map(|r| head_of(log_id, &r)).transpose()
    }

    /// Stores a tree head we signed.
    pub async fn put_log_head(
        &self,
        head: &zktr_records::SignedTreeHead,
    ) -> Result<(), StoreError> {
        let _timed = self.time("put_log_head");
        sqlx::query(
            "INSERT INTO log_heads (size, root, time, signature) VALUES (?, ?, ?, ?)
             ON CONFLICT(size) DO NOTHING",
        )
        .bind(head.size as i64)
        .bind(zktr_circuits::field::fr_to_be_bytes(&head.root.0).to_vec())
        .bind(head.time as i64)
        .bind(head.signature.to_vec())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The last tree head seen of a peer's log.
    pub async fn peer_head(
        &self,
        log_id: &str,
    ) -> Result<Option<zktr_records::SignedTreeHead>, StoreError> {
        let row =
            sqlx::query("SELECT size, root, time, signature FROM peer_heads WHERE log_id = ?")
                .bind(log_id)
                .fetch_optional(&self.readers)
                .await?;
        row.map(|r| head_of(log_id, &r)).transpose()
    }

    /// Remembers a peer's tree head if it is newer (larger) than the one stored.
    pub async fn put_peer_head(
        &self,
        peer: &str,
        head: &zktr_records::SignedTreeHead,
    ) -> Result<(), StoreError> {
        let _timed = self.time("put_peer_head");
        sqlx::query(
            "INSERT INTO peer_heads (log_id, peer, size, root, time, signature) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(log_id) DO UPDATE SET size = excluded.size, root = excluded.root,
                time = excluded.time, signature = excluded.signature
             WHERE excluded.size > peer_heads.size",
        )
        .bind(&head.log_id)
        .bind(peer)
        .bind(head.size as i64)
        .bind(zktr_circuits::field::fr_to_be_bytes(&head.root.0).to_vec())
        .bind(head.time as i64)
        .bind(head.signature.to_vec())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The attestation of a transfer.
    pub async fn attestation(&self, id: &str) -> Result<Option<AttestationRow>, StoreError> {
        let _timed = self.time("attestation");
        let row = sqlx::query(
            "SELECT facts, commitment, opening, opening_key, bundle, receipt FROM attestations WHERE transfer_id = ?",
        )
        .bind(id)
        .fetch_optional(&self.readers)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let facts: Option<String> = r.try_get("facts").map_err(corrupt)?;
        let facts = match facts {
            Some(f) => serde_json::from_str(&f).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => crate::attest::Facts {
                fiat_value: 0,
                fiat_currency: 0,
                asset_id: 0,
                asset_amount: String::new(),
            },
        };
        let c: Option<Vec<u8>> = r.try_get("commitment").map_err(corrupt)?;
        let opening: Option<Vec<u8>> = r.try_get("opening").map_err(corrupt)?;
        let opening_key: Option<Vec<u8>> = r.try_get("opening_key").map_err(corrupt)?;
        Ok(Some(AttestationRow {
            facts,
            commitment: c
                .map(|c| fr32(&c).map(zktr_circuits::commitment::Commitment))
                .transpose()?,
            opening: opening
                .zip(opening_key)
                .map(|(payload, data_key)| SealedPayload { payload, data_key }),
            bundle: r.try_get("bundle").map_err(corrupt)?,
            receipt: r.try_get("receipt").map_err(corrupt)?,
        }))
    }

    /// Stores the proved bundle.
    pub async fn set_bundle(&self, id: &str, bundle: &[u8]) -> Result<(), StoreError> {
        let _timed = self.time("set_bundle");
        sqlx::query("UPDATE attestations SET bundle = ? WHERE transfer_id = ? AND bundle IS NULL")
            .bind(bundle)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Stores the receipt the peer returned.
    pub async fn set_receipt(&self, id: &str, receipt: &str) -> Result<(), StoreError> {
        let _timed = self.time("set_receipt");
        sqlx::query("UPDATE attestations SET receipt = ? WHERE transfer_id = ?")
            .bind(receipt)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A peer's sealing key if it has not expired at `now`.
    pub async fn peer_key(&self, peer: &str, now: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT key_der FROM peer_keys WHERE peer = ? AND expires_at > ?")
                .bind(peer)
                .bind(now)
                .fetch_optional(&self.readers)
                .await?,
        )
    }

    /// Stores a peer's sealing key.
    pub async fn put_peer_key(
        &self,
        peer: &str,
        key_der: &[u8],
        now: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO peer_keys (peer, key_der, fetched_at, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(peer) DO UPDATE SET key_der = excluded.key_der,
                fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
        )
        .bind(peer)
        .bind(key_der)
        .bind(now)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Adds (or updates) a customer address.
    pub async fn add_address(
        &self,
        address: &str,
        network: &str,
        customer: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_addresses (address, network, customer, added_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(address, network) DO UPDATE SET customer = excluded.customer",
        )
        .bind(address)
        .bind(network)
        .bind(customer)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Removes a customer address; returns whether it existed.
    pub async fn remove_address(&self, address: &str, network: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM customer_addresses WHERE address = ? AND network = ?")
            .bind(address)
            .bind(network)
            .execute(&self.writer)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Every customer address as `(address, network, customer)`.
    pub async fn addresses(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT address, network, customer FROM customer_addresses ORDER BY address, network",
        )
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("address").map_err(corrupt)?,
                    r.try_get("network").map_err(corrupt)?,
                    r.try_get("customer").map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// Whether `address` is one of our customers' (on `network`, or on any network when
    /// `network` is empty or the stored entry has none).
    pub async fn is_customer_address(
        &self,
        address: &str,
        network: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM customer_addresses
             WHERE address = ? AND (? = '' OR network = '' OR network = ?)",
        )
        .bind(address)
        .bind(network)
        .bind(network)
        .fetch_one(&self.readers)
        .await?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_peer_answering_again_makes_only_its_waiting_envelopes_due() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("node.db"))
            .await
            .expect("open");
        let sealed = SealedPayload {
            payload: vec![1],
            data_key: vec![2],
        };
        let start = "2026-01-01T00:00:00.000000Z";
        let later = "2026-01-01T01:00:00.000000Z";
        let now = "2026-01-01T00:00:10.000000Z";
        for (id, peer) in [("a", "beta"), ("b", "beta"), ("c", "gamma")] {
            store
                .create_originated(id, peer, &sealed, &Outgoing::Ready(vec![0]), None, start)
                .await
                .expect("create");
            let item = store.outbox_of(id).await.expect("read").expect("queued");
            store
                .record_attempt_failed(id, item.seq, "peer down", later, start)
                .await
                .expect("failed attempt");
        }
        assert!(store.due_outbox(now, 10).await.expect("due").is_empty());
        assert_eq!(store.expedite_peer("beta", now).await.expect("expedite"), 2);
        let mut due: Vec<String> = store
            .due_outbox(now, 10)
            .await
            .expect("due")
            .into_iter()
            .map(|i| i.id)
            .collect();
        due.sort();
        assert_eq!(due, ["a", "b"], "gamma's envelope keeps its backoff");
        assert_eq!(store.expedite_peer("beta", now).await.expect("again"), 0);
        let c = store.outbox_of("c").await.expect("read").expect("queued");
        assert_eq!(c.attempts, 1, "attempt counts stay");
        // Refusals answered by resending are counted apart from failed attempts.
        assert_eq!(c.peer_refusals, 0);
        store.count_peer_refusal("c", c.seq).await.expect("count");
        store
            .record_attempt_failed("c", c.seq, "HMAC", later, now)
            .await
            .expect("failed attempt");
        let c = store.outbox_of("c").await.expect("read").expect("queued");
        assert_eq!((c.attempts, c.peer_refusals), (2, 1));
    }
}
