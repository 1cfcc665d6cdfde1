//! The orders database: SQLite through rusqlite, every call on tokio's blocking pool (SQLite
//! calls block, and an async worker must not), and the request's transaction in
//! [`TRANSACTION`], a `Local` that spawned work does not inherit.
//!
//! Why rusqlite rather than sqlx: sqlx's SQLite driver runs each connection on a worker thread
//! of its own and brings sqlx-core's pool, macros and runtime glue; for three statements,
//! rusqlite on `spawn_blocking` is the same non-blocking shape with far less to build, and the
//! transaction is plainly a connection that has run `BEGIN`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use baton::context::Local;
use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};
use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The transaction of the request being served, bound by the `orders` handler: every query
/// below it finds the transaction here, with no parameter passing. Not inherited, so a
/// background job the handler spawns can never write inside the request's transaction.
pub(crate) static TRANSACTION: Local<Transaction> = Local::new("transaction").not_inherited();

/// A database error, or a query run outside a transaction.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    NoTransaction,
    Finished,
    Panicked,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(error) => write!(f, "sqlite: {error}"),
            DbError::NoTransaction => f.write_str("no transaction in the current context"),
            DbError::Finished => f.write_str("the transaction has already ended"),
            DbError::Panicked => f.write_str("a database call panicked"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        DbError::Sqlite(error)
    }
}

/// The orders database file, and the lock its writers take in turn.
#[derive(Clone, Debug)]
pub(crate) struct Database {
    path: Arc<Path>,
    // SQLite has one writer at a time. Taking turns here, asynchronously, keeps waiting writers
    // off the blocking pool (SQLite's own busy wait would park a thread each).
    writer: Arc<Semaphore>,
}

impl Database {
    /// Opens (creating if needed) the database at `path`, with its two tables.
    pub(crate) async fn open(path: PathBuf) -> Result<Database, DbError> {
        let path: Arc<Path> = path.into();
        let at = Arc::clone(&path);
        blocking(move || {
            let conn = connect(&at)?;
            // Readers (the demo's summary, the tests) do not block the writer.
            conn.pragma_update(None, "journal_mode", "wal")?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, item TEXT, quantity INTEGER, trace_id TEXT);
                 CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, order_item TEXT, outcome TEXT, trace_id TEXT);",
            )?;
            Ok(())
        })
        .await?;
        Ok(Database {
            path,
            writer: Arc::new(Semaphore::new(1)),
        })
    }

    /// Begins a transaction on a connection of its own, once it is this writer's turn.
    pub(crate) async fn begin(&self) -> Result<Transaction, DbError> {
        let permit = Arc::clone(&self.writer)
            .acquire_owned()
            .await
            .expect("the writer semaphore is never closed");
        let path = Arc::clone(&self.path);
        let conn = traced("BEGIN", None, move || {
            let conn = connect(&path)?;
            conn.execute_batch("BEGIN IMMEDIATE")?;
            Ok(conn)
        })
        .await?;
        Ok(Transaction(Arc::new(TxInner {
            conn: Mutex::new(Some(conn)),
            _permit: permit,
        })))
    }

    /// Records an order attempt in `audit`, on a connection of its own, outside any request
    /// transaction: what a background job does.
    ///
    /// No span: the job outlives the request's server span, and a child ending after its
    /// parent is what the viewer flags. Its log lines still carry the request's trace.
    pub(crate) async fn record_audit(
        &self,
        item: String,
        outcome: &'static str,
    ) -> Result<(), DbError> {
        let _turn = Arc::clone(&self.writer)
            .acquire_owned()
            .await
            .expect("the writer semaphore is never closed");
        let path = Arc::clone(&self.path);
        let trace_id = current_trace_id();
        blocking(move || {
            let conn = connect(&path)?;
            conn.execute(
                "INSERT INTO audit (order_item, outcome, trace_id) VALUES (?1, ?2, ?3)",
                (&item, outcome, &trace_id),
            )?;
            Ok(())
        })
        .await
    }
}

/// A transaction: a connection that has run `BEGIN`, shared by the request's queries, ended
/// by [`commit`](Transaction::commit) or [`rollback`](Transaction::rollback) (or rolled back
/// when the last handle is dropped, by closing the connection).
#[derive(Clone, Debug)]
pub(crate) struct Transaction(Arc<TxInner>);

#[derive(Debug)]
struct TxInner {
    conn: Mutex<Option<Connection>>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for TxInner {
    fn drop(&mut self) {
        // Closing a connection is a blocking call: not on the async worker dropping this.
        if let Some(conn) = self.conn.get_mut().ok().and_then(Option::take) {
            tokio::task::spawn_blocking(move || drop(conn));
        }
    }
}

impl Transaction {
    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), DbError> {
        self.end("COMMIT").await
    }

    /// Rolls back.
    pub(crate) async fn rollback(self) -> Result<(), DbError> {
        self.end("ROLLBACK").await
    }

    async fn end(self, statement: &'static str) -> Result<(), DbError> {
        let inner = Arc::clone(&self.0);
        traced(statement, None, move || {
            let conn = inner.conn.lock().map_err(|_| DbError::Panicked)?.take();
            conn.ok_or(DbError::Finished)?.execute_batch(statement)?;
            Ok(())
        })
        .await
    }

    async fn run<R: Send + 'static>(
        &self,
        operation: &'static str,
        table: &'static str,
        query: impl FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        let inner = Arc::clone(&self.0);
        traced(operation, Some(table), move || {
            let conn = inner.conn.lock().map_err(|_| DbError::Panicked)?;
            query(conn.as_ref().ok_or(DbError::Finished)?)
        })
        .await
    }
}

/// Inserts an order in the current request's transaction; returns its id.
pub(crate) async fn insert_order(item: &str, quantity: u32) -> Result<i64, DbError> {
    let transaction = TRANSACTION.get().ok_or(DbError::NoTransaction)?;
    let (item, trace_id) = (item.to_owned(), current_trace_id());
    transaction
        .run("INSERT", "orders", move |conn| {
            conn.execute(
                "INSERT INTO orders (item, quantity, trace_id) VALUES (?1, ?2, ?3)",
                (&item, quantity, &trace_id),
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await
}

fn connect(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // With WAL, `normal` syncs at checkpoints rather than at every commit: a power cut may lose
    // the last commits, never corrupt the file; a commit then costs no fsync.
    conn.pragma_update(None, "synchronous", "normal")?;
    Ok(conn)
}

/// Runs `f` on the blocking pool.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, DbError> + Send + 'static,
) -> Result<R, DbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| DbError::Panicked)?
}

/// Runs `f` on the blocking pool inside a database client span (`BEGIN`, `INSERT orders`,
/// `COMMIT`, ...), a child of the current span.
async fn traced<R: Send + 'static>(
    operation: &'static str,
    table: Option<&'static str>,
    f: impl FnOnce() -> Result<R, DbError> + Send + 'static,
) -> Result<R, DbError> {
    static TRACER: OnceLock<BoxedTracer> = OnceLock::new();
    let tracer = TRACER.get_or_init(|| global::tracer("demo-orders-db"));
    let mut attributes = vec![
        KeyValue::new("db.system.name", "sqlite"),
        KeyValue::new("db.operation.name", operation),
    ];
    let name = match table {
        Some(table) => {
            attributes.push(KeyValue::new("db.collection.name", table));
            format!("{operation} {table}")
        }
        None => operation.to_owned(),
    };
    let mut span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start(tracer);
    let result = blocking(f).await;
    if let Err(error) = &result {
        span.set_attribute(KeyValue::new("error.type", "sqlite"));
        span.set_status(Status::error(error.to_string()));
    }
    span.end();
    result
}

fn current_trace_id() -> String {
    Context::current()
        .span()
        .span_context()
        .trace_id()
        .to_string()
}
