// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The request log: what each request asked and what it got, in memory and optionally
//! as JSON lines in a file. It records who logged in, never a token, an assertion or a
//! signature: the log is meant to be shown.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use sfjwt::{Error, Result};

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When the answer was decided, RFC 3339 UTC.
    pub time: String,
    /// `"tls"` or `"mtls"`: the port the request came in on.
    pub port_kind: String,
    /// The host the request named (lowercase, without port; empty when none): the
    /// org's My Domain or a generic login host such as `127.0.0.1`.
    #[serde(default)]
    pub host: String,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query string (which could carry credentials).
    pub path: String,
    /// The status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// What happened: `token_issued`, `invalid_grant: inactive user`, `fault: 503`,
    /// `rest_ok`, `invalid_session_id`, `not_found`, ...
    pub outcome: String,
    /// The client presented a TLS certificate.
    pub client_certificate: bool,
    /// The user the request was for, when known.
    pub username: Option<String>,
    /// The consumer key of a token request, when it could be read.
    pub consumer_key: Option<String>,
}

/// What a handler knows about a request besides its method and path.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) outcome: String,
    pub(crate) username: Option<String>,
    pub(crate) consumer_key: Option<String>,
}

impl Outcome {
    pub(crate) fn new(outcome: impl Into<String>) -> Outcome {
        Outcome {
            outcome: outcome.into(),
            ..Outcome::default()
        }
    }
}

/// The log: the newest `capacity` entries in memory (even unauthenticated requests
/// are logged, so memory must not grow with them), every entry in the file.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
    capacity: usize,
    file: Option<Mutex<File>>,
}

impl RequestLog {
    /// A log of the last `capacity` entries in memory and, with `path`, every entry
    /// appended to that file.
    pub(crate) fn new(path: Option<&Path>, capacity: usize) -> Result<RequestLog> {
        let file = path
            .map(|path| {
                File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map(Mutex::new)
                    .map_err(|e| {
                        Error::config(
                            "log",
                            format!("cannot open the request log {}: {e}", path.display()),
                        )
                    })
            })
            .transpose()?;
        Ok(RequestLog {
            entries: Mutex::default(),
            capacity,
            file,
        })
    }

    pub(crate) fn record(&self, entry: LogEntry) {
        if let Some(file) = &self.file {
            // One write per line, flushed, so that a reader tailing the file never sees
            // half an entry. A failing disk must not fail the request being answered.
            if let Ok(mut line) = serde_json::to_string(&entry) {
                line.push('\n');
                let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = file.write_all(line.as_bytes()).and_then(|()| file.flush());
            }
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.push_back(entry);
        while entries.len() > self.capacity {
            entries.pop_front();
        }
    }

    pub(crate) fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

/// Now, RFC 3339 UTC.
pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("unknown"))
}
