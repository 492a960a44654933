// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fault injection on the wire: the responses and bodies of the org's planned
//! [`FaultAction`]s.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER};
use hyper::{Response, StatusCode};

use crate::org::faults::{FaultAction, OVERSIZED_DEFAULT, OVERSIZED_MAX};
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
pub(crate) fn respond(action: &FaultAction) -> Option<(Response<ResponseBody>, String)> {
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
pub(crate) struct ResponseBody(Inner);

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
    pub(crate) fn whole(body: Full<Bytes>) -> ResponseBody {
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
pub(crate) struct CutConnection;

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
    fn cut_promises_more_than_it_sends() {
        assert!(CUT_AFTER < CUT_BODY.len());
        assert!(serde_json::from_str::<serde_json::Value>(CUT_BODY).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&CUT_BODY[..CUT_AFTER]).is_err());
    }
}
