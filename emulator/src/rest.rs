// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What a client calls after login: `/services/oauth2/userinfo`, the identity URL
//! `/id/<org id>/<user id>`, `/services/data/` (no token needed), each version's
//! resource list `/services/data/vNN.0`, its `limits`, `query` and `queryAll` (with
//! `nextRecordsUrl` pages) and `tooling/query`. REST errors
//! are JSON arrays of `{"message", "errorCode"}`, unlike the OAuth errors of the token
//! endpoint.

use std::collections::{BTreeMap, VecDeque};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::log::Outcome;
use super::server::{Session, State, bearer, json_response};
use super::soql::{self, QueryError};

type Answer = (Response<Full<Bytes>>, Outcome);

/// The oldest version `/services/data/` lists, as Salesforce does (jsforce asks for
/// v50.0, the Salesforce CLI for the newest).
const OLDEST_LISTED_MAJOR: u32 = 31;

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

/// `GET /services/oauth2/userinfo`: the OpenID Connect view of the user.
pub(super) fn userinfo(state: &State, headers: &HeaderMap, base_url: &str) -> Answer {
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let nickname = nickname(&session);
    let body = json!({
        "sub": session.id_url,
        "user_id": session.user_id,
        "organization_id": state.org.org_id,
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
        "urls": urls(state, &session, base_url),
    });
    ok(&body, Some(&session))
}

/// `GET /id/<org id>/<user id>`: the identity URL a token response names in `id`,
/// answered for the session's own user.
pub(super) fn identity(state: &State, path: &str, headers: &HeaderMap, base_url: &str) -> Answer {
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let own = format!("/id/{}/{}", state.org.org_id, session.user_id);
    if path.trim_end_matches('/') != own {
        let (response, mut outcome) = not_found();
        outcome.username = Some(session.username);
        return (response, outcome);
    }
    let nickname = nickname(&session);
    let body = json!({
        "id": session.id_url,
        "asserted_user": true,
        "user_id": session.user_id,
        "organization_id": state.org.org_id,
        "username": session.username,
        "nick_name": nickname,
        "display_name": nickname,
        "email": session.username,
        "email_verified": true,
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "is_app_installed": true,
        "urls": urls(state, &session, base_url),
    });
    ok(&body, Some(&session))
}

fn nickname(session: &Session) -> &str {
    session
        .username
        .split('@')
        .next()
        .unwrap_or(&session.username)
}

/// The `urls` of userinfo and the identity URL, on the newest version.
fn urls(state: &State, session: &Session, base_url: &str) -> Value {
    let version = format!("{}.0", state.org.newest_api_major);
    let rest_url = |path: &str| format!("{base_url}/services/data/v{version}/{path}");
    json!({
        "rest": rest_url(""),
        "sobjects": rest_url("sobjects/"),
        "query": rest_url("query/"),
        "limits": rest_url("limits/"),
        "tooling_rest": rest_url("tooling/"),
        "profile": format!("{base_url}/{}", session.user_id),
    })
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
    OLDEST_LISTED_MAJOR.min(newest)..=newest
}

/// `GET /services/data/...`; `query_string` is the URL's, for `query?q=...`.
pub(super) fn data(
    state: &State,
    path: &str,
    query_string: Option<&str>,
    headers: &HeaderMap,
) -> Answer {
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
    let resource = resource.trim_end_matches('/');
    let answer = match resource {
        _ if !known => None,
        "" => Some(Ok(resources(version))),
        "limits" => Some(Ok(limits(state.api_calls()))),
        "tooling/query" => Some(Ok(empty_query_result())),
        "query" | "queryAll" => Some(query(state, version, query_string, headers)),
        _ => resource
            .strip_prefix("query/")
            .or_else(|| resource.strip_prefix("queryAll/"))
            .map(|locator| next_page(state, version, locator)),
    };
    match answer {
        Some(Ok(body)) => ok(&body, Some(&session)),
        Some(Err(error)) => {
            let outcome = error.error_code.to_ascii_lowercase();
            let (response, mut outcome) = rest_error(
                StatusCode::BAD_REQUEST,
                error.error_code,
                &error.message,
                &outcome,
            );
            outcome.username = Some(session.username);
            (response, outcome)
        }
        None => {
            let (response, mut outcome) = not_found();
            outcome.username = Some(session.username);
            (response, outcome)
        }
    }
}

/// Records per page: Salesforce's default 2,000, or the `batchSize` of the
/// `Sforce-Query-Options` header, which Salesforce holds between 200 and 2,000.
fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|options| {
            options.split(',').find_map(|option| {
                let (name, value) = option.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("batchSize")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
        })
        .map_or(2000, |size| size.clamp(200, 2000))
}

/// `query?q=...` and `queryAll?q=...` (the emulator deletes nothing, so both answer
/// alike): the first page, and a `nextRecordsUrl` while records remain.
fn query(
    state: &State,
    version: &str,
    query_string: Option<&str>,
    headers: &HeaderMap,
) -> Result<Value, QueryError> {
    let text = query_string
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == "q")
                .map(|(_, value)| value.into_owned())
        })
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| QueryError::malformed("A query string has to be specified"))?;
    let rows = state.store.query(&soql::parse(&text)?)?;
    let records: VecDeque<Value> = rows
        .records
        .into_iter()
        .map(|(id, fields)| {
            let mut record = serde_json::Map::new();
            record.insert(
                "attributes".to_owned(),
                json!({
                    "type": rows.object,
                    "url": format!("/services/data/{version}/sobjects/{}/{id}", rows.object),
                }),
            );
            record.extend(fields);
            Value::Object(record)
        })
        .collect();
    let cursor = Cursor {
        records,
        total_size: rows.total_size,
        batch_size: batch_size(headers),
        delivered: 0,
    };
    Ok(state.cursors().page(cursor, version))
}

/// `query/<locator>-<position>`: the next page of an earlier query.
fn next_page(state: &State, version: &str, locator: &str) -> Result<Value, QueryError> {
    let invalid = || QueryError {
        error_code: "INVALID_QUERY_LOCATOR",
        message: "invalid query locator".to_owned(),
    };
    let (id, position) = locator.split_once('-').ok_or_else(invalid)?;
    let id: u64 = id
        .strip_prefix("01g")
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid)?;
    let position: usize = position.parse().map_err(|_| invalid())?;
    let mut cursors = state.cursors();
    let cursor = cursors.open.remove(&id).ok_or_else(invalid)?;
    if cursor.delivered != position {
        return Err(invalid());
    }
    Ok(cursors.page(cursor, version))
}

/// The records of a query not yet delivered.
#[derive(Debug)]
struct Cursor {
    records: VecDeque<Value>,
    total_size: usize,
    batch_size: usize,
    delivered: usize,
}

/// The open query cursors. Bounded: the oldest goes first, as Salesforce lets
/// cursors expire.
#[derive(Debug, Default)]
pub(super) struct Cursors {
    next_id: u64,
    open: BTreeMap<u64, Cursor>,
}

/// How many cursors stay open.
const MAX_CURSORS: usize = 100;

impl Cursors {
    /// The next page of `cursor`, keeping the rest open under a new locator.
    fn page(&mut self, mut cursor: Cursor, version: &str) -> Value {
        let take = cursor.batch_size.min(cursor.records.len());
        let records: Vec<Value> = cursor.records.drain(..take).collect();
        cursor.delivered += take;
        let mut body = json!({
            "totalSize": cursor.total_size,
            "done": cursor.records.is_empty(),
            "records": records,
        });
        if !cursor.records.is_empty() {
            self.next_id += 1;
            let id = self.next_id;
            body["nextRecordsUrl"] = Value::String(format!(
                "/services/data/{version}/query/01g{id:0>15}-{}",
                cursor.delivered
            ));
            self.open.insert(id, cursor);
            while self.open.len() > MAX_CURSORS {
                self.open.pop_first();
            }
        }
        body
    }
}

/// `GET /services/data/vNN.0`: the resources of a version that the emulator serves,
/// by name.
fn resources(version: &str) -> Value {
    let names = ["limits", "query", "queryAll", "tooling"];
    let list: serde_json::Map<String, Value> = names
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                Value::String(format!("/services/data/{version}/{name}")),
            )
        })
        .collect();
    Value::Object(list)
}

/// What `tooling/query` answers: the emulated org has no metadata to query.
fn empty_query_result() -> Value {
    json!({
        "size": 0,
        "totalSize": 0,
        "done": true,
        "queryLocator": null,
        "entityTypeName": null,
        "records": [],
    })
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
