// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The token exchange of the JWT Bearer flow, and the REST calls of the connection
//! test. Every refusal becomes AUTH_REJECTED with Salesforce's words and a fix.

mod hints;
pub(crate) mod http;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::assertion::Assertion;
use crate::error::{Error, Rejection, Result};
use crate::events::event;
pub(crate) use hints::HintContext;
// The URL is a login setting's, so config builds it; oauth keeps the path it had.
pub use crate::config::authorize_url;
pub(crate) use http::Http;

/// The grant type of RFC 7523.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An access token and what Salesforce said with it. `Debug` redacts the token and
/// it is zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    token_id: TokenId,
    session: Session,
}

/// What Salesforce answered with a token: what the shared cache writes, encrypted, for
/// other processes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Session {
    pub access_token: Zeroizing<String>,
    pub instance_url: String,
    pub id: String,
    pub token_type: String,
    pub scope: Option<String>,
    pub issued_at: Option<String>,
}

/// Which login a token came from: unique within the process, and not a secret, so
/// that a binding can hand it to its language with the token and take it back in
/// [`crate::Client::invalidate_if_current`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenId(u64);

impl TokenId {
    fn next() -> TokenId {
        static LOGINS: AtomicU64 = AtomicU64::new(1);
        TokenId(LOGINS.fetch_add(1, Ordering::Relaxed))
    }

    /// The number, for a binding to carry (a Java `long`, a Python `int`).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The id a binding carried back. A number that no token has matches none.
    pub fn from_u64(value: u64) -> TokenId {
        TokenId(value)
    }
}

impl AccessToken {
    /// The fields every binding's token shows, by their accessor names: the parity
    /// tests of each language check their token against this list.
    pub const FIELDS: [&'static str; 8] = [
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "scope",
        "issued_at",
        "org_id",
        "user_id",
    ];

    /// A token of this process, with a new [`TokenId`]: from its own login, or read
    /// from the shared cache, where another process wrote it.
    pub(crate) fn from_session(session: Session) -> AccessToken {
        AccessToken {
            token_id: TokenId::next(),
            session,
        }
    }

    /// What Salesforce answered, for the shared cache to write.
    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// Which login this token came from.
    pub fn token_id(&self) -> TokenId {
        self.token_id
    }

    /// The session id, for `Authorization: Bearer ...`.
    pub fn access_token(&self) -> &str {
        &self.session.access_token
    }

    /// The org's instance, base of every REST call (`https://acme.my.salesforce.com`).
    pub fn instance_url(&self) -> &str {
        &self.session.instance_url
    }

    /// The identity URL (`.../id/<org id>/<user id>`).
    pub fn id(&self) -> &str {
        &self.session.id
    }

    /// `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.session.token_type
    }

    /// The granted scopes (`api web`), when Salesforce says.
    pub fn scope(&self) -> Option<&str> {
        self.session.scope.as_deref()
    }

    /// Milliseconds since the epoch when the token was issued, when Salesforce says.
    pub fn issued_at(&self) -> Option<&str> {
        self.session.issued_at.as_deref()
    }

    /// The org id: the second-to-last segment of `id`.
    pub fn org_id(&self) -> Option<&str> {
        self.session.id.rsplit('/').nth(1).filter(|s| !s.is_empty())
    }

    /// The user id: the last segment of `id`.
    pub fn user_id(&self) -> Option<&str> {
        self.session.id.rsplit('/').next().filter(|s| !s.is_empty())
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.access_token())
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"<redacted>")
            .field("instance_url", &self.session.instance_url)
            .field("id", &self.session.id)
            .field("token_type", &self.session.token_type)
            .field("scope", &self.session.scope)
            .field("issued_at", &self.session.issued_at)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    instance_url: String,
    id: String,
    token_type: Option<String>,
    scope: Option<String>,
    issued_at: Option<String>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Deserialize)]
struct RestErrorBody {
    #[serde(rename = "errorCode")]
    error_code: String,
    #[serde(default)]
    message: String,
}

/// POSTs the assertion to `<login_url>/services/oauth2/token`.
pub(crate) fn request_token(
    http: &Http,
    login_url: &str,
    assertion: &Assertion,
    context: &HintContext,
) -> Result<AccessToken> {
    let url = format!("{login_url}/services/oauth2/token");
    let form = [
        ("grant_type", GRANT_TYPE),
        ("assertion", assertion.as_str()),
    ];
    let response = http.send(&url, |client| client.post(&url).form(&form))?;
    let now = SystemTime::now();
    if let Some(offset) = clock_offset(response.date, now) {
        event!(
            Warn,
            "this machine's clock is {} s {} {login_url}'s (its Date header): assertions carry \
             this clock's times, and Salesforce refuses an expired one; sync it with NTP",
            offset.unsigned_abs(),
            if offset > 0 { "behind" } else { "ahead of" }
        );
    }
    token_response(&response, context, now)
}

/// The server's clock minus this one's, in seconds, when they differ by more than
/// [`CLOCK_OFFSET_WARNING_SECS`] (the `Date` header has whole seconds).
fn clock_offset(server: Option<SystemTime>, now: SystemTime) -> Option<i64> {
    let seconds = |t: SystemTime| match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let offset = seconds(server?) - seconds(now);
    (offset.abs() > CLOCK_OFFSET_WARNING_SECS).then_some(offset)
}

/// A clock offset worth a warning: a third of the default assertion lifetime (180 s).
const CLOCK_OFFSET_WARNING_SECS: i64 = 60;

/// Interprets the token endpoint's answer: the token, Salesforce's refusal with its
/// hint (`now` measures the clock offset against the `Date` header), or HTTP/PROTOCOL.
/// Separate from the request so that the fuzz targets reach it without a network.
pub(crate) fn token_response(
    response: &http::Response,
    context: &HintContext,
    now: SystemTime,
) -> Result<AccessToken> {
    match response.status {
        200 => parse_token(response),
        300..=399 => Err(redirect_error(response)),
        400..=499 if !response.is_html() => {
            match serde_json::from_slice::<OAuthErrorBody>(&response.body) {
                Ok(body) => Err(Error::AuthRejected(Box::new(Rejection {
                    hint: hints::hint(
                        &body.error,
                        &body.error_description,
                        context,
                        response.date,
                        now,
                    ),
                    error: body.error,
                    error_description: body.error_description,
                    http_status: response.status,
                }))),
                Err(_) => Err(http_error(response)),
            }
        }
        _ => Err(http_error(response)),
    }
}

fn parse_token(response: &http::Response) -> Result<AccessToken> {
    if response.is_html() {
        return Err(http_error(response));
    }
    let body: TokenBody = parse_json(response)?;
    let instance_url = checked_instance_url(&response.url, &body.instance_url)?;
    Ok(AccessToken::from_session(Session {
        access_token: Zeroizing::new(body.access_token),
        instance_url,
        id: body.id,
        token_type: body.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        scope: body.scope,
        issued_at: body.issued_at,
    }))
}

/// The token is only ever sent to https (or loopback http), whatever the answer said.
fn checked_instance_url(url: &str, instance_url: &str) -> Result<String> {
    crate::config::parse_url(instance_url).map_err(|reason| Error::Protocol {
        url: url.to_owned(),
        reason: format!("instance_url is unusable: {reason}"),
    })
}

/// GETs a REST resource with the token; 401 INVALID_SESSION_ID is reported as API
/// with that code, which the client answers by logging in again once.
pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    http: &Http,
    url: &str,
    token: Option<&AccessToken>,
) -> Result<T> {
    let response = http.send(url, |client| {
        let request = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        match token {
            Some(token) => request.bearer_auth(token.access_token()),
            None => request,
        }
    })?;
    rest_response(url, &response)
}

/// Interprets a REST answer to a GET of `url`: the JSON as `T`, Salesforce's
/// `[{"errorCode", "message"}]` as API, or HTTP/PROTOCOL. Separate from the request
/// so that the fuzz targets reach it without a network.
pub(crate) fn rest_response<T: serde::de::DeserializeOwned>(
    url: &str,
    response: &http::Response,
) -> Result<T> {
    match response.status {
        200 if !response.is_html() => parse_json(response),
        300..=399 => Err(redirect_error(response)),
        status @ 400..=499 if !response.is_html() => {
            match rest_errors(&response.body) {
                Some(errors) => {
                    // The dead session is the error reported even when Salesforce lists
                    // it after another, so that the client's retry follows the rule of
                    // `is_invalid_session` that the bindings use.
                    let error = errors
                        .iter()
                        .find(|e| ends_session(status, &e.error_code))
                        .unwrap_or(&errors[0]);
                    Err(Error::Api {
                        url: url.to_owned(),
                        status,
                        error_code: error.error_code.clone(),
                        message: error.message.clone(),
                    })
                }
                None => Err(http_error(response)),
            }
        }
        _ => Err(http_error(response)),
    }
}

/// True for a refusal of the assertion's audience, which another `aud` may cure: an
/// External Client App not found (`app_not_found`: it wants the My Domain) or
/// `audience is invalid` (a connected app given the My Domain).
pub(crate) fn is_audience_refusal(error: &Error) -> bool {
    error.rejection().is_some_and(|r| {
        let description = r.error_description.to_ascii_lowercase();
        r.error == "app_not_found"
            || description.contains("external client app is not installed")
            || description.contains("audience is invalid")
    })
}

/// Whether an HTTP answer to a REST call made with a token says that the session
/// expired or was revoked, so that one new login and one retry will do: HTTP 401
/// with Salesforce's error array `[{"errorCode": "INVALID_SESSION_ID", ...}]`
/// (the code in any element). Other 401s (an OAuth error, a proxy's page, a body that
/// merely mentions the code in some text) are not. Every binding asks this function.
pub fn is_invalid_session(status: u16, body: &[u8]) -> bool {
    rest_errors(body)
        .is_some_and(|errors| errors.iter().any(|e| ends_session(status, &e.error_code)))
}

/// [`is_invalid_session`] for an error of [`rest_response`], which reports the
/// dead-session element when there is one.
pub(crate) fn is_invalid_session_error(error: &Error) -> bool {
    matches!(error, Error::Api { status, error_code, .. } if ends_session(*status, error_code))
}

/// The one rule both of the above apply to one element of the error array.
fn ends_session(status: u16, error_code: &str) -> bool {
    status == 401 && error_code == "INVALID_SESSION_ID"
}

/// Salesforce's REST error array, if `body` is one (a JSON array of objects, each
/// with a string `errorCode`, not empty).
fn rest_errors(body: &[u8]) -> Option<Vec<RestErrorBody>> {
    serde_json::from_slice::<Vec<RestErrorBody>>(body)
        .ok()
        .filter(|errors| !errors.is_empty())
}

fn parse_json<T: serde::de::DeserializeOwned>(response: &http::Response) -> Result<T> {
    serde_json::from_slice(&response.body).map_err(|e| Error::Protocol {
        url: response.url.clone(),
        reason: if response.body.is_empty() {
            "empty body where JSON was expected".to_owned()
        } else {
            format!("{e}")
        },
    })
}

fn http_error(response: &http::Response) -> Error {
    Error::Http {
        url: response.url.clone(),
        status: response.status,
        excerpt: response.excerpt(),
    }
}

fn redirect_error(response: &http::Response) -> Error {
    Error::Http {
        url: response.url.clone(),
        status: response.status,
        excerpt: format!(
            "redirect to {} not followed (an assertion or token is never sent to a redirect target); \
             set login_url to your org's My Domain URL",
            response.location.as_deref().unwrap_or("(no Location)")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEAD: &[u8] =
        br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;

    #[test]
    fn a_401_with_the_dead_session_code_is_an_invalid_session() {
        assert!(is_invalid_session(401, DEAD));
        assert!(is_invalid_session(
            401,
            b" [ {\"errorCode\" : \"INVALID_SESSION_ID\"} ] \n"
        ));
        let second =
            br#"[{"errorCode":"REQUEST_LIMIT_EXCEEDED"},{"errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(is_invalid_session(401, second));
    }

    #[test]
    fn the_code_must_be_an_error_code_not_text() {
        let in_message =
            br#"[{"message":"was \"errorCode\":\"INVALID_SESSION_ID\"","errorCode":"INSUFFICIENT_ACCESS"}]"#;
        assert!(!is_invalid_session(401, in_message));
        assert!(!is_invalid_session(
            401,
            br#"[{"errorCode":"invalid_session_id"}]"#
        ));
        assert!(!is_invalid_session(
            401,
            br#"[{"errorCode":"INSUFFICIENT_ACCESS"}]"#
        ));
    }

    #[test]
    fn other_statuses_and_bodies_are_not_an_invalid_session() {
        for status in [200, 400, 403, 500] {
            assert!(!is_invalid_session(status, DEAD), "{status}");
        }
        let not_the_array: [&[u8]; 8] = [
            b"",
            b"<html><body>INVALID_SESSION_ID</body></html>",
            br#"[{"errorCode":"INVALID_SESSION_ID""#,
            br#"{"errorCode":"INVALID_SESSION_ID"}"#,
            br#"{"error":"invalid_grant","error_description":"INVALID_SESSION_ID"}"#,
            br#"[]"#,
            br#"[{"errorCode":["INVALID_SESSION_ID"]}]"#,
            br#""INVALID_SESSION_ID""#,
        ];
        for body in not_the_array {
            assert!(
                !is_invalid_session(401, body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn the_client_retries_on_the_same_rule() {
        let answer = |status, body: &[u8]| {
            rest_response::<serde_json::Value>(
                "https://x.my.salesforce.com/services/data",
                &http::Response {
                    url: "https://x.my.salesforce.com/services/data".to_owned(),
                    status,
                    date: None,
                    location: None,
                    content_type: "application/json".to_owned(),
                    body: body.to_vec(),
                },
            )
            .unwrap_err()
        };
        let second =
            br#"[{"errorCode":"REQUEST_LIMIT_EXCEEDED"},{"errorCode":"INVALID_SESSION_ID"}]"#;
        let in_message = br#"[{"message":"INVALID_SESSION_ID","errorCode":"INSUFFICIENT_ACCESS"}]"#;
        for (status, body) in [(401, DEAD), (401, second), (401, in_message), (403, DEAD)] {
            assert_eq!(
                is_invalid_session_error(&answer(status, body)),
                is_invalid_session(status, body),
                "{status} {}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(is_invalid_session_error(&answer(401, second)));
    }
}
