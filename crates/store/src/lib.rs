//! eksim's storage: a transactional, revisioned key–value store holding JSON
//! values under `/`-separated prefix keys (what kube-apiserver expects of etcd).
//!
//! **API boundary:** services see [`Store`] and [`Txn`] only. A backend implements
//! [`Backend`]; [`sqlite`] is the embedded one (file or in memory). A PostgreSQL
//! backend for shared deployments is an addition behind the same trait.
//!
//! **Architecture Invariant:** a write transaction either commits entirely or leaves
//! nothing; once `write` returns `Ok`, the change is durable (see `ARCHITECTURE.md`,
//! "Durability"). Every committed write transaction that changed something gets the
//! next store revision; each key records the revision that created and last modified it.

#![forbid(unsafe_code)]

pub mod sqlite;

use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

/// What can go wrong below the services.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The backend failed (I/O, corruption, lock).
    #[error("storage backend: {0}")]
    Backend(String),
    /// A stored value is not the JSON its reader expected.
    #[error("stored value at {key} is not valid: {reason}")]
    Corrupt {
        /// The key read.
        key: String,
        /// The decode error.
        reason: String,
    },
}

/// One stored value with its revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value's bytes (JSON by convention).
    pub value: Vec<u8>,
    /// Revision of the write that created the key.
    pub create_rev: i64,
    /// Revision of the write that last changed it.
    pub mod_rev: i64,
}

/// Operations inside one transaction.
pub trait Txn {
    /// Reads one key.
    fn get(&mut self, key: &str) -> Result<Option<Entry>, Error>;
    /// Keys starting with `prefix`, in byte order, after `start_after` when given, at most `limit`.
    fn scan(&mut self, prefix: &str, start_after: Option<&str>, limit: usize) -> Result<Vec<(String, Entry)>, Error>;
    /// Writes one key; returns the revision this transaction commits as.
    fn put(&mut self, key: &str, value: &[u8]) -> Result<i64, Error>;
    /// Deletes one key; true when it existed.
    fn delete(&mut self, key: &str) -> Result<bool, Error>;
    /// The store revision as of the start of this transaction (or this transaction's own, once it wrote).
    fn revision(&mut self) -> Result<i64, Error>;
}

/// A storage backend.
pub trait Backend: Send + Sync {
    /// Runs `f` in a read-only snapshot.
    fn read(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<(), Error>) -> Result<(), Error>;
    /// Runs `f` in a serializable write transaction; commits when `f` returns `Ok`, rolls back otherwise.
    fn write(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<bool, Error>) -> Result<(), Error>;
}

/// The store handle services hold; cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Self { backend }
    }

    /// True when both handles are the same store.
    pub fn same_as(&self, other: &Store) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend)
    }

    /// Opens the embedded SQLite store in `dir` (created if absent).
    pub fn open_dir(dir: &std::path::Path) -> Result<Self, Error> {
        Ok(Self::new(Arc::new(sqlite::Sqlite::open_dir(dir)?)))
    }

    /// An in-memory SQLite store: nothing touches the disk.
    pub fn in_memory() -> Result<Self, Error> {
        Ok(Self::new(Arc::new(sqlite::Sqlite::in_memory()?)))
    }

    /// Runs `f` on a read snapshot.
    pub fn read<R, E>(&self, f: impl FnOnce(&mut dyn Txn) -> Result<R, E>) -> Result<R, E>
    where
        E: From<Error>,
    {
        let mut f = Some(f);
        let mut out: Option<Result<R, E>> = None;
        self.backend.read(&mut |tx| {
            if let Some(f) = f.take() {
                out = Some(f(tx));
            }
            Ok(())
        })?;
        out.unwrap_or_else(|| Err(Error::Backend("read closure did not run".into()).into()))
    }

    /// Runs `f` in a write transaction. A service error (`Err` from `f`) rolls everything back:
    /// bad input changes nothing.
    pub fn write<R, E>(&self, f: impl FnOnce(&mut dyn Txn) -> Result<R, E>) -> Result<R, E>
    where
        E: From<Error>,
    {
        let mut f = Some(f);
        let mut out: Option<Result<R, E>> = None;
        self.backend.write(&mut |tx| {
            let r = match f.take() {
                Some(f) => f(tx),
                None => return Ok(false),
            };
            let ok = r.is_ok();
            out = Some(r);
            Ok(ok)
        })?;
        out.unwrap_or_else(|| Err(Error::Backend("write closure did not run".into()).into()))
    }
}

/// Typed JSON helpers over [`Txn`].
pub trait TxnExt: Txn {
    /// Reads and decodes one JSON value.
    fn get_json<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, Error> {
        match self.get(key)? {
            None => Ok(None),
            Some(e) => serde_json::from_slice(&e.value)
                .map(Some)
                .map_err(|err| Error::Corrupt { key: key.to_owned(), reason: err.to_string() }),
        }
    }

    /// Encodes and writes one JSON value.
    fn put_json<T: Serialize>(&mut self, key: &str, value: &T) -> Result<i64, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Backend(e.to_string()))?;
        self.put(key, &bytes)
    }

    /// Decodes every value under `prefix` (all of them, in key order).
    fn list_json<T: DeserializeOwned>(&mut self, prefix: &str) -> Result<Vec<(String, T)>, Error> {
        let rows = self.scan(prefix, None, usize::MAX)?;
        rows.into_iter()
            .map(|(k, e)| {
                serde_json::from_slice(&e.value)
                    .map(|v| (k.clone(), v))
                    .map_err(|err| Error::Corrupt { key: k, reason: err.to_string() })
            })
            .collect()
    }

    /// Deletes every key under `prefix`; returns how many.
    fn delete_prefix(&mut self, prefix: &str) -> Result<usize, Error> {
        let keys: Vec<String> = self.scan(prefix, None, usize::MAX)?.into_iter().map(|(k, _)| k).collect();
        for k in &keys {
            self.delete(k)?;
        }
        Ok(keys.len())
    }
}

impl<T: Txn + ?Sized> TxnExt for T {}

#[cfg(test)]
mod tests;
