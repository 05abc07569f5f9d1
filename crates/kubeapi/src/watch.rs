//! Watches (kube-apiserver.md §8.3): newline-delimited JSON events read from the change log that
//! every write appends (`objects.rs`). See the crate docs for the transport's side of the contract.

use crate::crud::{matches, selectors, Ctx};
use crate::objects::{compacted_key, events_prefix, Writer};
use crate::resources::ResourceDef;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, Result};
use crate::table::{self, TableMode};
use crate::KubeResponse;
use eksim_store::Store;
use serde_json::{json, Value};
use std::time::Duration;
use time::OffsetDateTime;

/// At most this many change-log transactions are read per poll.
const POLL_BATCH: usize = 500;

/// An open watch: what it matches and how far it has read.
#[derive(Debug, Clone)]
pub struct Watch {
    cluster: String,
    def: &'static ResourceDef,
    namespace: String,
    labels: LabelSelector,
    fields: FieldSelector,
    table: Option<TableMode>,
    cursor: i64,
    timeout: Option<Duration>,
    sent_columns: bool,
    done: bool,
}

/// What one [`Watch::poll`] produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchChunk {
    /// Events, one JSON object per line (possibly empty).
    pub body: Vec<u8>,
    /// True when the stream must end after `body` (an `ERROR` event was sent).
    pub done: bool,
}

impl Watch {
    /// The events after the cursor, advancing it.
    pub fn poll(&mut self, store: &Store, now: OffsetDateTime) -> WatchChunk {
        if self.done {
            return WatchChunk { body: Vec::new(), done: true };
        }
        match self.read(store, now) {
            Ok(body) => WatchChunk { body, done: self.done },
            Err(e) => {
                self.done = true;
                let st = e.into_response();
                let status: Value = serde_json::from_slice(&st.body).unwrap_or(Value::Null);
                WatchChunk { body: line(&json!({"type": "ERROR", "object": status})), done: true }
            }
        }
    }

    /// `timeoutSeconds`, if the client gave one; the transport chooses otherwise.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The revision the watch has read up to.
    pub fn revision(&self) -> i64 {
        self.cursor
    }

    /// True once an `ERROR` event ended the stream.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn read(&mut self, store: &Store, now: OffsetDateTime) -> Result<Vec<u8>> {
        let prefix = events_prefix(&self.cluster);
        let start = format!("{prefix}{:020}", self.cursor);
        let (rows, floor) = store.read(|tx| {
            let floor: i64 = tx
                .get(&compacted_key(&self.cluster))?
                .and_then(|e| String::from_utf8(e.value).ok())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let rows = tx.scan(&prefix, Some(&start), POLL_BATCH)?;
            Ok::<_, ApiError>((rows, floor))
        })?;
        if self.cursor < floor {
            self.done = true;
            return Ok(expired(self.cursor, floor));
        }
        let res = crate::objects::res_id(self.def);
        let mut out = Vec::new();
        for (key, entry) in rows {
            let rev: i64 = key[prefix.len()..].parse().unwrap_or(self.cursor);
            let events: Vec<Value> = serde_json::from_slice(&entry.value).unwrap_or_default();
            for ev in events {
                if ev["res"] != res.as_str() {
                    continue;
                }
                if !self.namespace.is_empty() && ev["ns"] != self.namespace.as_str() {
                    continue;
                }
                let object = &ev["object"];
                let now_matches = self.matches(object);
                let kind = match ev["type"].as_str().unwrap_or_default() {
                    "MODIFIED" => {
                        let was = ev.get("old").filter(|o| !o.is_null()).is_some_and(|o| self.matches(o));
                        match (was, now_matches) {
                            (true, true) => "MODIFIED",
                            (false, true) => "ADDED",
                            (true, false) => "DELETED",
                            (false, false) => continue,
                        }
                    }
                    other if now_matches => {
                        if other == "DELETED" {
                            "DELETED"
                        } else {
                            "ADDED"
                        }
                    }
                    _ => continue,
                };
                out.extend(self.event(kind, object, now));
            }
            self.cursor = rev;
        }
        Ok(out)
    }

    fn matches(&self, obj: &Value) -> bool {
        matches(self.def, &self.labels, &self.fields, obj)
    }

    fn event(&mut self, kind: &str, obj: &Value, now: OffsetDateTime) -> Vec<u8> {
        let object = match self.table {
            Some(mode) => {
                let rv = crate::objects::meta_str(obj, "resourceVersion");
                let t = table::table(
                    self.def,
                    std::slice::from_ref(obj),
                    json!({"resourceVersion": rv}),
                    now,
                    mode,
                    !self.sent_columns,
                );
                self.sent_columns = true;
                t
            }
            None => obj.clone(),
        };
        line(&json!({"type": kind, "object": object}))
    }
}

fn line(v: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    b
}

fn expired(asked: i64, floor: i64) -> Vec<u8> {
    line(&json!({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {asked} ({floor})"), "reason": "Expired", "code": 410}}))
}

/// Opens a watch: the first events in the body, the rest through [`Watch::poll`].
pub(crate) fn start(ctx: &Ctx, def: &'static ResourceDef, ns: &str) -> Result<KubeResponse> {
    let (labels, fields) = selectors(ctx, def)?;
    let table = ctx.table_mode()?;
    let timeout = ctx.query.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs);
    let mut w = Watch {
        cluster: ctx.cluster.id.clone(),
        def,
        namespace: ns.to_owned(),
        labels,
        fields,
        table,
        cursor: 0,
        timeout,
        sent_columns: false,
        done: false,
    };
    let rv = ctx.query.get("resourceVersion").unwrap_or_default();
    let mut body = Vec::new();
    if rv.is_empty() || rv == "0" {
        // No starting point: every current object as a synthetic ADDED, then the changes after it.
        let (objs, rev) = ctx.store.read(|tx| {
            let mut wr = Writer::new(tx, &ctx.cluster.id);
            let objs = wr.list(def, Some(ns))?;
            let rev = wr.tx.revision()?;
            Ok::<_, ApiError>((objs, rev))
        })?;
        for o in &objs {
            if w.matches(o) {
                body.extend(w.event("ADDED", o, ctx.now));
            }
        }
        w.cursor = rev;
    } else {
        w.cursor = rv.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "resourceVersion: Invalid value: {}: must be a non-negative integer",
                crate::status::go_quote(rv)
            ))
        })?;
        let chunk = w.poll(ctx.store, ctx.now);
        body.extend(chunk.body);
    }
    Ok(KubeResponse { watch: Some(Box::new(w)), ..KubeResponse::json(200, body) })
}
