// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fault injection: the transient failures a client must survive (5xx, maintenance
//! pages, dropped connections before or in the middle of a response, broken or
//! oversized bodies, slowness, redirects).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER};
use hyper::{Response, StatusCode};
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
pub(super) struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub(super) fn new(faults: Vec<Fault>) -> FaultPlan {
        FaultPlan { faults }
    }

    /// How many more requests the plan's faults will apply to.
    pub(super) fn pending(&self) -> u32 {
        self.faults.iter().map(|f| f.times).sum()
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

/// The default length of an [`FaultAction::Oversized`] body.
pub const OVERSIZED_DEFAULT: u64 = 2 * 1024 * 1024;
/// The longest [`FaultAction::Oversized`] body.
pub const OVERSIZED_MAX: u64 = 64 * 1024 * 1024;

/// The longest pause of [`FaultAction::Drip`]: the body still ends within minutes.
pub const DRIP_INTERVAL_MAX_MS: u64 = 10_000;

/// What [`FaultAction::Cut`] and [`FaultAction::Drip`] promise (its `Content-Length`): a token answer.
const CUT_BODY: &str = r#"{"access_token":"cut-in-the-middle-cut-in-the-middle-cut-in-the-middle-cut-in-the-middle","instance_url":"https://127.0.0.1","id":"https://127.0.0.1/id/00D000000000001AAA/005000000000001AAA","token_type":"Bearer","scope":"api","issued_at":"1700000000000","signature":"cutcutcutcutcutcutcutcutcutcutcutcutcut="}"#;
/// How much of [`CUT_BODY`] is sent before the connection is closed.
const CUT_AFTER: usize = 64;
/// The pause between the part sent and the close, so that the part is flushed first.
const CUT_PAUSE: Duration = Duration::from_millis(100);

const MAINTENANCE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Salesforce - Maintenance</title></head>\
<body><h1>Down for maintenance</h1><p>Salesforce is temporarily unavailable while we perform \
scheduled maintenance. Please try again shortly.</p></body></html>\n";

/// The response of a fault that answers instead of the endpoint, and its log outcome;
/// `None` for [`FaultAction::Drop`] and [`FaultAction::Delay`].
pub(super) fn respond(action: &FaultAction) -> Option<(Response<ResponseBody>, String)> {
    let partial = match action {
        FaultAction::Cut => Some((
            ResponseBody::cut(Bytes::from_static(&CUT_BODY.as_bytes()[..CUT_AFTER])),
            "fault: cut".to_owned(),
        )),
        FaultAction::Drip { interval_ms } => Some((
            ResponseBody::drip(
                Bytes::from_static(CUT_BODY.as_bytes()),
                Duration::from_millis(*interval_ms),
            ),
            format!("fault: drip ({interval_ms} ms a byte)"),
        )),
        _ => None,
    };
    if let Some((body, outcome)) = partial {
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(CUT_BODY.len()));
        return Some((response, outcome));
    }
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
        FaultAction::Oversized { bytes } => {
            let len = bytes.unwrap_or(OVERSIZED_DEFAULT).min(OVERSIZED_MAX);
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            let mut body = String::with_capacity(len);
            body.push_str(r#"{"access_token":""#);
            let padding = len.saturating_sub(body.len() + 2);
            body.extend(std::iter::repeat_n('A', padding));
            body.push_str(r#""}"#);
            (
                200,
                "application/json;charset=UTF-8",
                body,
                format!("fault: oversized ({len} bytes)"),
            )
        }
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
        FaultAction::Drop
        | FaultAction::Cut
        | FaultAction::Drip { .. }
        | FaultAction::Delay { .. } => return None,
    };
    // Plans set at runtime skip `check`; an unusable status degrades to 500 rather
    // than failing the request.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(ResponseBody::whole(Full::new(Bytes::from(body))));
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

/// The body of every emulator response: whole, or (for [`FaultAction::Cut`]) a first
/// part, then an error that makes hyper close the connection, or (for
/// [`FaultAction::Drip`]) one byte at a time.
pub(super) struct ResponseBody(Inner);

enum Inner {
    Whole(Full<Bytes>),
    Cut {
        part: Option<Bytes>,
        pause: Pin<Box<tokio::time::Sleep>>,
    },
    Drip {
        rest: Bytes,
        interval: Duration,
        pause: Pin<Box<tokio::time::Sleep>>,
    },
}

impl ResponseBody {
    pub(super) fn whole(body: Full<Bytes>) -> ResponseBody {
        ResponseBody(Inner::Whole(body))
    }

    /// Sends `part`, waits [`CUT_PAUSE`] (hyper flushes what it has when the body is
    /// not ready), then fails.
    fn cut(part: Bytes) -> ResponseBody {
        ResponseBody(Inner::Cut {
            part: Some(part),
            pause: Box::pin(tokio::time::sleep(CUT_PAUSE)),
        })
    }
}

impl ResponseBody {
    /// Sends `body` a byte every `interval`, the first one at once.
    fn drip(body: Bytes, interval: Duration) -> ResponseBody {
        ResponseBody(Inner::Drip {
            rest: body,
            interval,
            pause: Box::pin(tokio::time::sleep(Duration::ZERO)),
        })
    }
}

/// The error that ends a cut body; hyper answers it by closing the connection.
#[derive(Debug)]
pub(super) struct CutConnection;

impl std::fmt::Display for CutConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut in the middle of the response on purpose")
    }
}

impl std::error::Error for CutConnection {}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = CutConnection;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, CutConnection>>> {
        match &mut self.get_mut().0 {
            Inner::Whole(body) => Pin::new(body)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Inner::Cut { part, pause } => {
                if let Some(part) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(part))));
                }
                ready!(pause.as_mut().poll(cx));
                Poll::Ready(Some(Err(CutConnection)))
            }
            Inner::Drip {
                rest,
                interval,
                pause,
            } => {
                if rest.is_empty() {
                    return Poll::Ready(None);
                }
                ready!(pause.as_mut().poll(cx));
                let deadline = tokio::time::Instant::now() + *interval;
                pause.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(Frame::data(rest.split_to(1)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Whole(body) => body.is_end_stream(),
            Inner::Cut { .. } => false,
            Inner::Drip { rest, .. } => rest.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Whole(body) => body.size_hint(),
            Inner::Cut { .. } => SizeHint::default(),
            Inner::Drip { rest, .. } => SizeHint::with_exact(rest.len() as u64),
        }
    }
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

    #[test]
    fn cut_promises_more_than_it_sends() {
        assert!(CUT_AFTER < CUT_BODY.len());
        assert!(serde_json::from_str::<serde_json::Value>(CUT_BODY).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&CUT_BODY[..CUT_AFTER]).is_err());
    }
}
