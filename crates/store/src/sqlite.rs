//! The embedded backend: SQLite through rusqlite, one connection behind a mutex.
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, so a commit
//! returns only after its WAL frames are fsynced; a power cut after an
//! acknowledged write cannot lose it. NORMAL would be faster but may drop the
//! last commits on power loss, which breaks "an acknowledged write is durable".

use crate::{Backend, Entry, Error, Txn};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    create_rev INTEGER NOT NULL,
    mod_rev INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0);
";

fn backend(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

/// The SQLite backend.
pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens (creating if needed) `DIR/eksim.db`.
    pub fn open_dir(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join("eksim.db")).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        Self::init(conn)
    }

    /// A private in-memory database.
    pub fn in_memory() -> Result<Self, Error> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<Self, Error> {
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (the transaction
        // is rolled back below), so a poisoned mutex is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct SqliteTxn<'a> {
    conn: &'a Connection,
    base_rev: i64,
    /// Set once this transaction wrote: the revision it commits as.
    write_rev: Option<i64>,
}

impl SqliteTxn<'_> {
    fn next_rev(&mut self) -> i64 {
        *self.write_rev.get_or_insert(self.base_rev + 1)
    }
}

impl Txn for SqliteTxn<'_> {
    fn get(&mut self, key: &str) -> Result<Option<Entry>, Error> {
        self.conn
            .prepare_cached("SELECT value, create_rev, mod_rev FROM kv WHERE key = ?1")
            .map_err(backend)?
            .query_row(params![key], |r| Ok(Entry { value: r.get(0)?, create_rev: r.get(1)?, mod_rev: r.get(2)? }))
            .optional()
            .map_err(backend)
    }

    fn scan(&mut self, prefix: &str, start_after: Option<&str>, limit: usize) -> Result<Vec<(String, Entry)>, Error> {
        // Keys are compared as text in byte order; the upper bound is the prefix with
        // its last byte incremented, which SQLite can use on the primary key.
        let lower = start_after.filter(|s| *s >= prefix).unwrap_or(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 AND key > ?2 AND substr(key, 1, ?3) = ?4 ORDER BY key LIMIT ?5",
            )
            .map_err(backend)?;
        let after = start_after.unwrap_or("");
        let plen = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![lower, after, plen, prefix, limit], |r| {
                Ok((r.get::<_, String>(0)?, Entry { value: r.get(1)?, create_rev: r.get(2)?, mod_rev: r.get(3)? }))
            })
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    fn put(&mut self, key: &str, value: &[u8]) -> Result<i64, Error> {
        let rev = self.next_rev();
        self.conn
            .prepare_cached(
                "INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev",
            )
            .map_err(backend)?
            .execute(params![key, value, rev])
            .map_err(backend)?;
        Ok(rev)
    }

    fn delete(&mut self, key: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM kv WHERE key = ?1")
            .map_err(backend)?
            .execute(params![key])
            .map_err(backend)?;
        if n > 0 {
            self.next_rev();
        }
        Ok(n > 0)
    }

    fn revision(&mut self) -> Result<i64, Error> {
        Ok(self.write_rev.unwrap_or(self.base_rev))
    }
}

fn current_rev(conn: &Connection) -> Result<i64, Error> {
    conn.query_row("SELECT value FROM meta WHERE name = 'revision'", [], |r| r.get(0)).map_err(backend)
}

impl Backend for Sqlite {
    fn read(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<(), Error>) -> Result<(), Error> {
        let conn = self.lock();
        conn.execute_batch("BEGIN DEFERRED").map_err(backend)?;
        let result = current_rev(&conn).and_then(|base_rev| {
            let mut tx = SqliteTxn { conn: &conn, base_rev, write_rev: None };
            f(&mut tx)
        });
        // A read transaction has nothing to keep; ROLLBACK ends it either way.
        conn.execute_batch("ROLLBACK").map_err(backend)?;
        result
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<bool, Error>) -> Result<(), Error> {
        let conn = self.lock();
        conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        let result = current_rev(&conn).and_then(|base_rev| {
            let mut tx = SqliteTxn { conn: &conn, base_rev, write_rev: None };
            let commit = f(&mut tx)?;
            Ok((commit, tx.write_rev))
        });
        match result {
            Ok((true, rev)) => {
                if let Some(rev) = rev {
                    conn.execute("UPDATE meta SET value = ?1 WHERE name = 'revision'", params![rev])
                        .map_err(backend)?;
                }
                conn.execute_batch("COMMIT").map_err(backend)
            }
            Ok((false, _)) => conn.execute_batch("ROLLBACK").map_err(backend),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}
