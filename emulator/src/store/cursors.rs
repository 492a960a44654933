// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The open cursors of queries, whose records are delivered page by page.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

/// The records of a query not yet delivered.
#[derive(Debug)]
pub(crate) struct Cursor {
    records: VecDeque<Value>,
    total_size: usize,
    batch_size: usize,
    delivered: usize,
}

/// The open query cursors. Bounded: the oldest goes first, as Salesforce lets
/// cursors expire.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    next_id: u64,
    open: BTreeMap<u64, Cursor>,
}

impl Cursor {
    /// The records of a query, none delivered yet.
    pub(crate) fn new(records: VecDeque<Value>, total_size: usize, batch_size: usize) -> Cursor {
        Cursor {
            records,
            total_size,
            batch_size,
            delivered: 0,
        }
    }
}

/// How many cursors stay open.
const MAX_CURSORS: usize = 100;

impl Cursors {
    /// The cursor `id`, when `position` is where its next page starts; it is closed
    /// either way, so that a locator is used once.
    pub(crate) fn take(&mut self, id: u64, position: usize) -> Option<Cursor> {
        let cursor = self.open.remove(&id)?;
        (cursor.delivered == position).then_some(cursor)
    }

    /// The next page of `cursor`, keeping the rest open under a new locator.
    pub(crate) fn page(&mut self, mut cursor: Cursor, version: &str) -> Value {
        let take = cursor.batch_size.min(cursor.records.len());
        let records: Vec<Value> = cursor.records.drain(..take).collect();
        cursor.delivered += take;
        let mut body = json!({
            "totalSize": cursor.total_size,
            "done": cursor.records.is_empty(),
            "records": records,
        });
        if !cursor.records.is_empty() {
            self.next_id += 1;
            let id = self.next_id;
            body["nextRecordsUrl"] = Value::String(format!(
                "/services/data/{version}/query/01g{id:0>15}-{}",
                cursor.delivered
            ));
            self.open.insert(id, cursor);
            while self.open.len() > MAX_CURSORS {
                self.open.pop_first();
            }
        }
        body
    }
}
