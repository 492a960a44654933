// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What a client calls after login: `/services/oauth2/userinfo`, `/services/data/`
//! (no token needed) and `/services/data/vNN.N/limits`. REST errors are JSON arrays
//! of `{"message", "errorCode"}`, unlike the OAuth errors of the token endpoint.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::log::Outcome;
use super::server::{Session, State, bearer, json_response};

type Answer = (Response<Full<Bytes>>, Outcome);

/// How many versions `/services/data/` lists, newest last.
const LISTED_VERSIONS: u32 = 5;

fn rest_error(status: StatusCode, error_code: &str, message: &str, outcome: &str) -> Answer {
    (
        json_response(
            status,
            &json!([{"message": message, "errorCode": error_code}]),
        ),
        Outcome::new(outcome),
    )
}

/// 401 INVALID_SESSION_ID: what a client sees for a missing, unknown or revoked token.
fn invalid_session() -> Answer {
    rest_error(
        StatusCode::UNAUTHORIZED,
        "INVALID_SESSION_ID",
        "Session expired or invalid",
        "invalid_session",
    )
}

pub(super) fn not_found() -> Answer {
    rest_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
        "not_found",
    )
}

pub(super) fn method_not_allowed(method: &Method) -> Answer {
    rest_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!("HTTP Method '{method}' not allowed. Allowed are GET"),
        "method_not_allowed",
    )
}

fn session(state: &State, headers: &HeaderMap) -> Option<Session> {
    state.session(bearer(headers)?)
}

fn ok(body: &Value, session: Option<&Session>) -> Answer {
    let mut outcome = Outcome::new("rest_ok");
    outcome.username = session.map(|s| s.username.clone());
    (json_response(StatusCode::OK, body), outcome)
}

/// `GET /services/oauth2/userinfo`.
pub(super) fn userinfo(state: &State, headers: &HeaderMap, base_url: &str) -> Answer {
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let org_id = &state.org.org_id;
    let version = format!("{}.0", state.org.newest_api_major);
    let nickname = session
        .username
        .split('@')
        .next()
        .unwrap_or(&session.username);
    let rest_url = |path: &str| format!("{base_url}/services/data/v{version}/{path}");
    let body = json!({
        "sub": session.id_url,
        "user_id": session.user_id,
        "organization_id": org_id,
        "preferred_username": session.username,
        "nickname": nickname,
        "name": nickname,
        "email": session.username,
        "email_verified": true,
        "zoneinfo": "Europe/London",
        "locale": "en_US",
        "language": "en_US",
        "user_type": "STANDARD",
        "active": true,
        "is_app_installed": true,
        "urls": {
            "rest": rest_url(""),
            "sobjects": rest_url("sobjects/"),
            "limits": rest_url("limits/"),
            "profile": format!("{base_url}/{}", session.user_id),
        },
    });
    ok(&body, Some(&session))
}

/// Salesforce names each release after its season: v62.0 is Winter '25, and three
/// releases a year follow (Spring, Summer, Winter of the next year's name).
fn release_label(major: u32) -> String {
    let offset = i64::from(major) - 62;
    let season = ["Winter", "Spring", "Summer"][offset.rem_euclid(3) as usize];
    let year = (25 + offset.div_euclid(3)).rem_euclid(100);
    format!("{season} '{year:02}")
}

/// The listed versions, oldest first.
fn versions(state: &State) -> impl Iterator<Item = u32> {
    let newest = state.org.newest_api_major;
    newest.saturating_sub(LISTED_VERSIONS - 1).max(1)..=newest
}

/// `GET /services/data/...`.
pub(super) fn data(state: &State, path: &str, headers: &HeaderMap) -> Answer {
    let rest = path
        .strip_prefix("/services/data")
        .unwrap_or_default()
        .trim_start_matches('/');
    if rest.is_empty() {
        let list: Vec<Value> = versions(state)
            .map(|major| {
                json!({
                    "label": release_label(major),
                    "url": format!("/services/data/v{major}.0"),
                    "version": format!("{major}.0"),
                })
            })
            .collect();
        return ok(&Value::Array(list), None);
    }
    // Salesforce checks the session before it looks at the resource.
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let (version, resource) = rest.split_once('/').unwrap_or((rest, ""));
    let known = version
        .strip_prefix('v')
        .and_then(super::config::parse_api_version)
        .is_some_and(|major| versions(state).any(|v| v == major));
    if known && resource.trim_end_matches('/') == "limits" {
        return ok(&limits(state.api_calls()), Some(&session));
    }
    let (response, mut outcome) = not_found();
    outcome.username = Some(session.username);
    (response, outcome)
}

/// A few of the org's limits; API calls made so far count against the daily one.
fn limits(api_calls: u64) -> Value {
    let limit = |max: u64, used: u64| json!({"Max": max, "Remaining": max.saturating_sub(used)});
    json!({
        "ConcurrentAsyncGetReportInstances": limit(200, 0),
        "DailyApiRequests": limit(15000, api_calls),
        "DailyAsyncApexExecutions": limit(250000, 0),
        "DailyBulkApiBatches": limit(15000, 0),
        "DataStorageMB": limit(5, 0),
        "FileStorageMB": limit(20, 0),
        "HourlyODataCallout": limit(10000, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::release_label;

    #[test]
    fn release_labels_follow_the_seasons() {
        assert_eq!(release_label(62), "Winter '25");
        assert_eq!(release_label(61), "Summer '24");
        assert_eq!(release_label(60), "Spring '24");
        assert_eq!(release_label(59), "Winter '24");
        assert_eq!(release_label(65), "Winter '26");
        assert_eq!(release_label(20), "Winter '11");
    }
}
