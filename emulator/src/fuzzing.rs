// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Not API: the entry point of the SOQL fuzz target (`fuzz/fuzz_targets/soql.rs`) and
//! of its regression test (`emulator/tests/soql_regressions.rs`), behind the `fuzzing`
//! feature.
//!
//! [`soql`] runs a query text as `query?q=` does, against the default objects and one
//! object with a field of every type, and panics when an invariant breaks: a refusal
//! is MALFORMED_QUERY, INVALID_TYPE or INVALID_FIELD, parsing is deterministic, and a
//! query never answers more records than the object holds.
//!
//! An input with NUL bytes is a template (see [`expand`]), so that the fuzzer reaches
//! with a few bytes what only long texts hold: chains of thousands of terms and
//! nesting thousands deep.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use crate::org::objects::{Field, SObjectData};
use crate::store::{self, Store, soql};

/// Every field type, and records with values of each (nulls among them).
static STORE: LazyLock<Store> = LazyLock::new(|| {
    let fields = [
        ("Name", "string"),
        ("Count__c", "int"),
        ("Amount__c", "double"),
        ("Paid__c", "boolean"),
        ("Due__c", "date"),
        ("Stage__c", "picklist"),
        ("Account__c", "reference"),
    ];
    let records = (0..20)
        .map(|n: i32| {
            let stage = ["Open", "Won", "Lost"][n.unsigned_abs() as usize % 3];
            let value = json!({
                "Name": format!("Row {n}"),
                "Count__c": if n % 5 == 0 { Value::Null } else { json!(n) },
                "Amount__c": f64::from(n) * 1.5,
                "Paid__c": n % 2 == 0,
                "Due__c": format!("2026-01-{:02}", n + 1),
                "Stage__c": stage,
                "Account__c": "001000000000001AAA",
            });
            match value {
                Value::Object(record) => record,
                _ => Map::new(),
            }
        })
        .collect();
    let every_type = SObjectData {
        name: "Fuzz__c".to_owned(),
        fields: fields.iter().map(|(n, t)| Field::new(*n, *t)).collect(),
        records,
    };
    Store::new(
        store::objects(&[every_type]).expect("a valid object"),
        usize::MAX,
    )
});

/// A template's text: `text NUL unit NUL count NUL text NUL unit NUL count ...` is
/// each `text` with each `unit` repeated `count` (decimal) times between them, up to
/// one byte past the longest query, so that the length bound is reached too. A query
/// has no NUL of its own: the tokenizer refuses it like any other stray character.
pub fn expand(input: &[u8]) -> Vec<u8> {
    const LONGEST: usize = soql::MAX_QUERY_CHARS + 1;
    let mut parts = input.split(|&byte| byte == 0);
    let mut text = parts.next().unwrap_or_default().to_vec();
    while let (Some(unit), Some(count)) = (parts.next(), parts.next()) {
        let count: usize = std::str::from_utf8(count)
            .ok()
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or(0);
        let room = LONGEST.saturating_sub(text.len()) / unit.len().max(1);
        text.extend(unit.repeat(count.min(room)));
        text.extend(parts.next().unwrap_or_default());
    }
    text
}

/// What a query text (or template) came to: the number of records it matched, or its
/// error code.
pub fn soql(input: &[u8]) -> Result<usize, &'static str> {
    let input = expand(input);
    let Ok(text) = std::str::from_utf8(&input) else {
        return Err("not UTF-8");
    };
    let parsed = soql::parse(text);
    assert_eq!(parsed, soql::parse(text), "parsing is deterministic");
    let outcome = parsed.and_then(|query| {
        let rows = STORE.query(&query)?;
        let held = STORE
            .objects()
            .iter()
            .find(|o| o.name() == rows.object)
            .map_or(0, |o| o.record_count());
        assert!(
            rows.total_size <= held,
            "{} of {held} records",
            rows.total_size
        );
        assert!(rows.records.len() <= rows.total_size);
        Ok(rows.total_size)
    });
    outcome.map_err(|error| {
        assert!(
            matches!(
                error.error_code,
                "MALFORMED_QUERY" | "INVALID_TYPE" | "INVALID_FIELD"
            ),
            "{error:?}"
        );
        error.error_code
    })
}
