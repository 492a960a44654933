// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The endpoints: the token endpoint ([`token`]), the identity of a session
//! ([`identity`]) and the REST API ([`data`], [`sobjects`]), each answering a request
//! with an [`Answer`]. REST errors are JSON arrays of `{"message", "errorCode"}`,
//! unlike the OAuth errors of the token endpoint; the store's errors become them here.

pub(crate) mod data;
pub(crate) mod identity;
pub(crate) mod sobjects;
pub(crate) mod token;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::state::log::Outcome;
use crate::state::{Session, State};
use crate::store::StoreError;

/// A response and what the log says of it.
pub(crate) type Answer = (Response<Full<Bytes>>, Outcome);

/// A refusal of the REST API, as Salesforce answers it: a JSON array of one
/// `{"message", "errorCode"}` (unlike the OAuth errors of the token endpoint), with
/// the status its code comes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestError {
    pub error_code: &'static str,
    pub message: String,
}

impl RestError {
    pub fn new(error_code: &'static str, message: impl Into<String>) -> RestError {
        RestError {
            error_code,
            message: message.into(),
        }
    }

    pub fn malformed_query(message: impl Into<String>) -> RestError {
        RestError::new("MALFORMED_QUERY", message)
    }

    /// An unknown resource, object or record id.
    pub fn not_found() -> RestError {
        RestError::new("NOT_FOUND", "The requested resource does not exist")
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self.error_code {
            "INVALID_SESSION_ID" => StatusCode::UNAUTHORIZED,
            "NOT_FOUND" => StatusCode::NOT_FOUND,
            "METHOD_NOT_ALLOWED" => StatusCode::METHOD_NOT_ALLOWED,
            "EXCEEDED_MAX_SIZE_REQUEST" => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The response, logged with the error code as its outcome.
    pub(crate) fn answer(&self, session: Option<&Session>) -> Answer {
        let body = json!([{"message": self.message, "errorCode": self.error_code}]);
        let mut outcome = Outcome::new(self.error_code.to_ascii_lowercase());
        outcome.username = session.map(|s| s.username.clone());
        (json_response(self.status(), &body), outcome)
    }
}

/// The one mapping of the store's refusals: the same code and message.
impl From<StoreError> for RestError {
    fn from(error: StoreError) -> RestError {
        RestError {
            error_code: error.error_code,
            message: error.message,
        }
    }
}

/// A request under `/services/data/`.
pub(crate) struct DataRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    /// The URL's query string: `q=...` of a query, `fields=...` of a record.
    pub query_string: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl DataRequest<'_> {
    /// A parameter of the query string, decoded.
    pub fn parameter(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query_string?.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Answers `reply` when the method is one of `allowed`, 405 otherwise.
    pub fn allow(
        &self,
        allowed: &[Method],
        reply: impl FnOnce() -> Result<Reply, RestError>,
    ) -> Result<Reply, RestError> {
        if allowed.contains(self.method) {
            reply()
        } else {
            Err(not_allowed(self.method, allowed))
        }
    }
}

/// What a resource answers when it succeeds.
pub(crate) enum Reply {
    /// 200 with a body.
    Ok(Value),
    /// 201 with a body: a record was created.
    Created(Value),
    /// 204: a record was updated or deleted.
    NoContent,
}

/// 401 INVALID_SESSION_ID: what a client sees for a missing, unknown or revoked token.
fn invalid_session() -> Answer {
    RestError::new("INVALID_SESSION_ID", "Session expired or invalid").answer(None)
}

pub(crate) fn not_found() -> Answer {
    RestError::not_found().answer(None)
}

fn not_allowed(method: &Method, allowed: &[Method]) -> RestError {
    let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    RestError::new(
        "METHOD_NOT_ALLOWED",
        format!(
            "HTTP Method '{method}' not allowed. Allowed are {}",
            allowed.join(",")
        ),
    )
}

pub(crate) fn method_not_allowed(method: &Method, allowed: &[Method]) -> Answer {
    not_allowed(method, allowed).answer(None)
}

/// The request body, over the REST API's bound: 413, in the REST API's shape.
pub(crate) fn too_large() -> Answer {
    RestError::new(
        "EXCEEDED_MAX_SIZE_REQUEST",
        "The request body exceeds the largest size this server accepts",
    )
    .answer(None)
}

fn session(state: &State, headers: &HeaderMap) -> Option<Session> {
    state.session(bearer(headers)?)
}

fn ok(body: &Value, session: Option<&Session>) -> Answer {
    let mut outcome = Outcome::new("rest_ok");
    outcome.username = session.map(|s| s.username.clone());
    (json_response(StatusCode::OK, body), outcome)
}

/// How a request reached the emulator: which host, so which base URL it is answered
/// with.
#[derive(Debug)]
pub(crate) struct Reached<'a> {
    /// Through the org's My Domain, not a generic login host.
    pub(crate) my_domain: bool,
    /// The port the request came in on.
    pub(crate) port: u16,
    /// The base of `instance_url`, `id` and the REST URLs answered.
    pub(crate) base_url: &'a str,
}

/// A JSON response with Salesforce's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// The bearer token of `Authorization: Bearer …` (or Salesforce's older `OAuth …`).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim())
}

/// Unpredictable bytes for tokens and signatures; `None` only if the OS has no
/// entropy source, which the caller answers with a 500.
pub(crate) fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(bytes)
}

/// 500, for what should never happen.
pub(crate) fn server_error(outcome: &str) -> Answer {
    (
        json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."}]),
        ),
        Outcome::new(outcome),
    )
}
