//! The sandbox's memory: JSON documents in SQLite, keyed by kind and id.
//!
//! A unique index on `(kind, external_id)` makes a duplicate `external_id` fail inside the
//! database, so two concurrent creates cannot both succeed — as at the real provider.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// Store failures.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// A document with this `external_id` already exists.
    Duplicate,
    /// A poisoned lock (a handler panicked while holding it).
    Poisoned,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Duplicate => write!(f, "duplicate external_id"),
            StoreError::Poisoned => write!(f, "store lock poisoned"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                StoreError::Duplicate
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Documents by kind.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens the file (or memory) and creates the schema.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS docs (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 parent TEXT,
                 external_id TEXT,
                 body TEXT NOT NULL,
                 UNIQUE (kind, id)
             );
             CREATE UNIQUE INDEX IF NOT EXISTS docs_external ON docs(kind, external_id)
                 WHERE external_id IS NOT NULL;
             CREATE INDEX IF NOT EXISTS docs_parent ON docs(kind, parent);",
        )?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&conn)
    }

    /// Inserts a document. `external_id` must be unique per kind when given.
    pub fn insert(
        &self,
        kind: &str,
        id: &str,
        parent: Option<&str>,
        external_id: Option<&str>,
        body: &Value,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO docs(kind, id, parent, external_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, id, parent, external_id, body.to_string()],
            )?;
            Ok(())
        })
    }

    /// Replaces a document's body.
    pub fn update(&self, kind: &str, id: &str, body: &Value) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute("UPDATE docs SET body = ?3 WHERE kind = ?1 AND id = ?2", params![kind, id, body.to_string()])?;
            Ok(())
        })
    }

    /// Removes a document; false when there was none.
    pub fn delete(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        self.with(|c| Ok(c.execute("DELETE FROM docs WHERE kind = ?1 AND id = ?2", params![kind, id])? > 0))
    }

    /// One document.
    pub fn get(&self, kind: &str, id: &str) -> Result<Option<Value>, StoreError> {
        self.with(|c| {
            let body: Option<String> = c
                .query_row("SELECT body FROM docs WHERE kind = ?1 AND id = ?2", params![kind, id], |r| r.get(0))
                .optional()?;
            Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
        })
    }

    /// The ids of a kind's documents, oldest first.
    pub fn ids(&self, kind: &str) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT id FROM docs WHERE kind = ?1 ORDER BY seq")?;
            let rows = stmt.query_map(params![kind], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row?);
            }
            Ok(out)
        })
    }

    /// Documents of a kind, oldest first, optionally only those with this external id or
    /// this parent.
    pub fn list(&self, kind: &str, external_id: Option<&str>, parent: Option<&str>) -> Result<Vec<Value>, StoreError> {
        let (sql, args) = list_query(kind, external_id, parent);
        self.bodies(&sql, rusqlite::params_from_iter(args.iter()))
    }

    /// Documents of a kind named by `reference` or by one of its later tries
    /// (`reference~2`, …), oldest first: matched on `external_id`, or on `id` when `by_id`.
    pub fn tries(&self, kind: &str, reference: &str, by_id: bool) -> Result<Vec<Value>, StoreError> {
        let sql = if by_id {
            "SELECT body FROM docs WHERE kind = ?1 AND (id = ?2 OR substr(id, 1, length(?2) + 1) = ?2 || '~') ORDER BY seq"
        } else {
            "SELECT body FROM docs WHERE kind = ?1
               AND (external_id = ?2 OR substr(external_id, 1, length(?2) + 1) = ?2 || '~') ORDER BY seq"
        };
        self.bodies(sql, params![kind, reference])
    }

    /// The bodies `sql` selects, parsed (a body that is not JSON is skipped).
    fn bodies(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Value>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                if let Ok(v) = serde_json::from_str(&row?) {
                    out.push(v);
                }
            }
            Ok(out)
        })
    }
}

/// The statement for [`Store::list`] and its arguments: only the conditions that apply, so
/// SQLite can use the (kind, external_id) and (kind, parent) indexes. A condition like
/// `?2 IS NULL OR external_id = ?2` cannot, and turns every lookup into a scan of all the
/// kind's documents (the sandbox's `start` got slower with every order made).
fn list_query<'a>(kind: &'a str, external_id: Option<&'a str>, parent: Option<&'a str>) -> (String, Vec<&'a str>) {
    let mut sql = String::from("SELECT body FROM docs WHERE kind = ?1");
    let mut args = vec![kind];
    for (column, value) in [("external_id", external_id), ("parent", parent)] {
        if let Some(value) = value {
            args.push(value);
            sql.push_str(&format!(" AND {column} = ?{}", args.len()));
        }
    }
    sql.push_str(" ORDER BY seq");
    (sql, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicate_external_ids_are_refused_and_state_survives_reopen() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("tolem-sandbox-store-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("state.db");
        let _ = std::fs::remove_file(&path);
        {
            let s = Store::open(Some(&path))?;
            s.insert("order", "ord_1", None, Some("A-1"), &json!({"id": "ord_1"}))?;
            assert!(matches!(s.insert("order", "ord_2", None, Some("A-1"), &json!({})), Err(StoreError::Duplicate)));
            s.insert("customer", "cus_1", None, Some("A-1"), &json!({"id": "cus_1"}))?;
        }
        let s = Store::open(Some(&path))?;
        assert_eq!(s.get("order", "ord_1")?, Some(json!({"id": "ord_1"})));
        assert_eq!(s.list("order", Some("A-1"), None)?.len(), 1);
        assert_eq!(s.list("order", Some("B"), None)?.len(), 0);
        s.insert("order", "ord_3", None, Some("A-1~2"), &json!({"id": "ord_3"}))?;
        s.insert("order", "ord_4", None, Some("A-10"), &json!({"id": "ord_4"}))?;
        assert_eq!(s.tries("order", "A-1", false)?.len(), 2, "A-1 and A-1~2, not A-10");
        assert_eq!(s.tries("order", "ord_3", true)?.len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn lookups_by_external_id_or_parent_use_an_index() -> Result<(), StoreError> {
        let s = Store::open(None)?;
        for (external_id, parent, index) in [
            (Some("A-1"), None, "docs_external"),
            (None, Some("cus_1"), "docs_parent"),
            (Some("A-1"), Some("cus_1"), "docs_"),
        ] {
            let (sql, args) = list_query("order", external_id, parent);
            let plan: Vec<String> = s.with(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, String>(3))?;
                Ok(rows.filter_map(Result::ok).collect())
            })?;
            assert!(plan.iter().any(|step| step.contains(index)), "{sql}: {plan:?}");
        }
        Ok(())
    }
}
