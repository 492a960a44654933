// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Replays, in every `cargo test`, the SOQL fuzz target's seeds (`fuzz/seeds/soql/`)
//! and any crash it found (`fuzz/regressions/soql/`) through the target's own entry
//! point, `sfjwt_emulator::fuzzing::soql`, which panics when an invariant breaks. Each
//! file must come to the outcome [`expected`] gives it.

use std::path::{Path, PathBuf};

use sfjwt_emulator::fuzzing;

/// What each committed input must come to: the records matched, or the error code.
fn expected(name: &str) -> Option<Result<usize, &'static str>> {
    Some(match name {
        "full-query" => Ok(5),
        "count" => Ok(5),
        "like-and-not" => Ok(1),
        "nested-lowercase" => Ok(1),
        "escapes-in-not-in" => Ok(20),
        "nulls" => Ok(4),
        // Templates (`fuzzing::expand`): flat chains of 6,000 terms are answered,
        // nesting within the bound too; deeper nesting and longer texts are refused.
        "or-chain-6000" | "parentheses-63" => Ok(1),
        "like-hostile" => Ok(0),
        "and-chain-6000" => Ok(10),
        "malformed" | "nested-too-deep" | "unterminated-string" | "huge-limit" => {
            Err("MALFORMED_QUERY")
        }
        "parentheses-5000" | "not-5000" | "not-or-nested-2000" | "query-too-long"
        | "like-too-long" => Err("MALFORMED_QUERY"),
        "unknown-field" => Err("INVALID_FIELD"),
        "unknown-object" => Err("INVALID_TYPE"),
        _ => return None,
    })
}

fn inputs(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(kind)
        .join("soql");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_and_crash_comes_to_its_expected_outcome() {
    let files: Vec<PathBuf> = inputs("seeds")
        .into_iter()
        .chain(inputs("regressions"))
        .collect();
    assert!(files.len() >= 21, "the seeds are missing: {files:?}");
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        let data = std::fs::read(&file).expect("readable");
        let want = expected(name).unwrap_or_else(|| panic!("{name}: give it an expectation"));
        assert_eq!(fuzzing::soql(&data), want, "{name}");
    }
}
