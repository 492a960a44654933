// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fault injection: the transient failures a client must survive (5xx, maintenance
//! pages, dropped connections, broken bodies, slowness, redirects).

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
    pub(super) fn check(&self) -> Result<()> {
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
/// `"html"`, `"drop"`, `"malformed"`, `"empty"`, `"delay"`, `"redirect"`).
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
    /// 200 with truncated JSON.
    Malformed,
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
pub(super) struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub(super) fn new(faults: Vec<Fault>) -> FaultPlan {
        FaultPlan { faults }
    }

    /// The first fault still in use whose prefix matches `path`, after using it once.
    pub(super) fn take(&mut self, path: &str) -> Option<FaultAction> {
        let fault = self
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && path.starts_with(&f.path_prefix))?;
        fault.times -= 1;
        Some(fault.action.clone())
    }
}

const MAINTENANCE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Salesforce - Maintenance</title></head>\
<body><h1>Down for maintenance</h1><p>Salesforce is temporarily unavailable while we perform \
scheduled maintenance. Please try again shortly.</p></body></html>\n";

/// The response of a fault that answers instead of the endpoint, and its log outcome;
/// `None` for [`FaultAction::Drop`] and [`FaultAction::Delay`].
pub(super) fn respond(action: &FaultAction) -> Option<(Response<Full<Bytes>>, String)> {
    let (status, content_type, body, outcome) = match action {
        FaultAction::Status { status, body, .. } => {
            let body = body.clone().unwrap_or_default();
            let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
                "application/json;charset=UTF-8"
            } else {
                "text/plain;charset=UTF-8"
            };
            (*status, content_type, body, format!("fault: {status}"))
        }
        FaultAction::Html => (
            503,
            "text/html;charset=UTF-8",
            MAINTENANCE_PAGE.to_owned(),
            "fault: html".to_owned(),
        ),
        FaultAction::Malformed => (
            200,
            "application/json;charset=UTF-8",
            r#"{"access_token":"00D"#.to_owned(),
            "fault: malformed".to_owned(),
        ),
        FaultAction::Empty => (
            200,
            "application/json;charset=UTF-8",
            String::new(),
            "fault: empty".to_owned(),
        ),
        FaultAction::Redirect { .. } => (
            302,
            "text/plain;charset=UTF-8",
            String::new(),
            "fault: redirect".to_owned(),
        ),
        FaultAction::Drop | FaultAction::Delay { .. } => return None,
    };
    // Plans set at runtime skip `check`; an unusable status degrades to 500 rather
    // than failing the request.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    match action {
        FaultAction::Status {
            retry_after_secs: Some(secs),
            ..
        } => {
            headers.insert(RETRY_AFTER, HeaderValue::from(*secs));
        }
        FaultAction::Redirect { location } => {
            if let Ok(location) = HeaderValue::from_str(location) {
                headers.insert(LOCATION, location);
            }
        }
        _ => {}
    }
    Some((response, outcome))
}

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
    }
}
