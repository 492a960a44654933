// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The faults an org is configured with (the transient failures a client must survive:
//! 5xx, maintenance pages, dropped connections before or in the middle of a response,
//! broken or oversized bodies, slowness, redirects), checked, and their plan; the
//! server puts them on the wire.

use hyper::StatusCode;
use hyper::header::HeaderValue;
use serde::{Deserialize, Serialize};

use sfjwt::{Error, Result};

/// One planned fault. JSON: `{"path_prefix":"/services/oauth2/token","times":1,
/// "action":{"kind":"status","status":503,"retry_after_secs":2}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Requests whose path starts with this are affected.
    #[serde(default = "default_path_prefix")]
    pub path_prefix: String,
    /// How many matching requests it applies to; then it is used up.
    #[serde(default = "one")]
    pub times: u32,
    /// What the affected requests get.
    pub action: FaultAction,
}

impl Fault {
    /// A fault on the token endpoint for the next `times` requests.
    pub fn token(times: u32, action: FaultAction) -> Fault {
        Fault {
            path_prefix: default_path_prefix(),
            times,
            action,
        }
    }

    /// Refuses what cannot be put on the wire, so that the server never has to.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.action {
            FaultAction::Status { status, .. } if StatusCode::from_u16(*status).is_err() => Err(
                Error::config("faults", format!("{status} is not an HTTP status")),
            ),
            FaultAction::Redirect { location } if HeaderValue::from_str(location).is_err() => {
                Err(Error::config(
                    "faults",
                    "the redirect location is not a valid header value",
                ))
            }
            FaultAction::Drip { interval_ms } if *interval_ms > DRIP_INTERVAL_MAX_MS => {
                Err(Error::config(
                    "faults",
                    format!("a drip interval is at most {DRIP_INTERVAL_MAX_MS} ms"),
                ))
            }
            FaultAction::Oversized { bytes: Some(bytes) } if *bytes > OVERSIZED_MAX => {
                Err(Error::config(
                    "faults",
                    format!("an oversized body is at most {OVERSIZED_MAX} bytes"),
                ))
            }
            _ => Ok(()),
        }
    }
}

fn default_path_prefix() -> String {
    "/services/oauth2/token".to_owned()
}

fn one() -> u32 {
    1
}

/// What a faulty request gets; `kind` names the variant in JSON (`"status"`,
/// `"html"`, `"drop"`, `"cut"`, `"drip"`, `"malformed"`, `"oversized"`, `"empty"`, `"delay"`,
/// `"redirect"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// This status, with an optional `Retry-After` and body.
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After` in seconds.
        #[serde(default)]
        retry_after_secs: Option<u64>,
        /// The body; empty when absent.
        #[serde(default)]
        body: Option<String>,
    },
    /// 503 with an HTML maintenance page, as Salesforce serves during upgrades.
    Html,
    /// Close the connection without any response.
    Drop,
    /// Close the connection in the middle of the response: a 200 whose headers
    /// (`Content-Length` included) and first part of the body are sent, then the
    /// connection is closed. Clients see a body that ends early.
    Cut,
    /// A 200 whose body (a token answer, `Content-Length` included) comes one byte
    /// every `interval_ms`: a server that never stalls long enough for a read timeout,
    /// which only a deadline on the whole request ends.
    Drip {
        /// Milliseconds between two bytes.
        interval_ms: u64,
    },
    /// 200 with truncated JSON.
    Malformed,
    /// 200 with a JSON body larger than any Salesforce answer: `bytes` long (default
    /// 2 MiB, at most 64 MiB), beyond the clients' 1 MiB cap.
    Oversized {
        /// The body's length in bytes.
        #[serde(default)]
        bytes: Option<u64>,
    },
    /// 200 with an empty body.
    Empty,
    /// Wait, then answer normally.
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// 302 to `location`; clients must not follow it.
    Redirect {
        /// The `Location` header.
        location: String,
    },
}

/// The ordered plan; each fault is consumed by the requests it applies to.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub(crate) fn new(faults: Vec<Fault>) -> FaultPlan {
        FaultPlan { faults }
    }

    /// How many more requests the plan's faults will apply to.
    pub(crate) fn pending(&self) -> u32 {
        self.faults.iter().map(|f| f.times).sum()
    }

    /// The first fault still in use whose prefix matches `path`, after using it once.
    pub(crate) fn take(&mut self, path: &str) -> Option<FaultAction> {
        let fault = self
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && path.starts_with(&f.path_prefix))?;
        fault.times -= 1;
        Some(fault.action.clone())
    }
}

/// The default length of an [`FaultAction::Oversized`] body.
pub const OVERSIZED_DEFAULT: u64 = 2 * 1024 * 1024;
/// The longest [`FaultAction::Oversized`] body.
pub const OVERSIZED_MAX: u64 = 64 * 1024 * 1024;

/// The longest pause of [`FaultAction::Drip`]: the body still ends within minutes.
pub const DRIP_INTERVAL_MAX_MS: u64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_and_are_used_up() {
        let mut plan = FaultPlan::new(vec![
            Fault::token(1, FaultAction::Html),
            Fault {
                path_prefix: "/services/".to_owned(),
                times: 2,
                action: FaultAction::Empty,
            },
        ]);
        assert_eq!(plan.take("/services/data/"), Some(FaultAction::Empty));
        assert_eq!(plan.take("/services/oauth2/token"), Some(FaultAction::Html));
        assert_eq!(
            plan.take("/services/oauth2/token"),
            Some(FaultAction::Empty)
        );
        assert_eq!(plan.take("/services/oauth2/token"), None);
    }

    #[test]
    fn json_form() {
        let fault: Fault = serde_json::from_str(
            r#"{"action":{"kind":"status","status":503,"retry_after_secs":2}}"#,
        )
        .expect("valid fault");
        assert_eq!(fault.path_prefix, "/services/oauth2/token");
        assert_eq!(fault.times, 1);
        assert!(fault.check().is_ok());
        let bad: Fault =
            serde_json::from_str(r#"{"action":{"kind":"status","status":1000}}"#).expect("parses");
        assert!(bad.check().is_err());

        let cut: Fault =
            serde_json::from_str(r#"{"times":2,"action":{"kind":"cut"}}"#).expect("valid fault");
        assert_eq!(cut.action, FaultAction::Cut);
        let drip: Fault = serde_json::from_str(r#"{"action":{"kind":"drip","interval_ms":500}}"#)
            .expect("valid fault");
        assert_eq!(drip.action, FaultAction::Drip { interval_ms: 500 });
        assert!(drip.check().is_ok());
        let glacial: Fault =
            serde_json::from_str(r#"{"action":{"kind":"drip","interval_ms":600000}}"#)
                .expect("parses");
        assert!(glacial.check().is_err());
        let oversized: Fault =
            serde_json::from_str(r#"{"action":{"kind":"oversized"}}"#).expect("valid fault");
        assert_eq!(oversized.action, FaultAction::Oversized { bytes: None });
        assert!(oversized.check().is_ok());
        let huge: Fault =
            serde_json::from_str(r#"{"action":{"kind":"oversized","bytes":1000000000000}}"#)
                .expect("parses");
        assert!(huge.check().is_err());
    }
}
