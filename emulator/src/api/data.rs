// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The REST API: `/services/data/` (no token needed), and under each version
//! `/services/data/vNN.0`: its resource list, `limits`, `query` and `queryAll` (with
//! `nextRecordsUrl` pages), `tooling/query`, and the object resources of
//! [`sobjects`].

use std::collections::VecDeque;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{
    Answer, DataRequest, Reply, RestError, invalid_session, method_not_allowed, ok, session,
    sobjects,
};
use crate::org::config::parse_api_version;
use crate::state::{Session, State};
use crate::store::cursors::Cursor;
use crate::store::soql;

/// The oldest version `/services/data/` lists, as Salesforce does (jsforce asks for
/// v50.0, the Salesforce CLI for the newest).
const OLDEST_LISTED_MAJOR: u32 = 31;

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

/// `/services/data/...`.
pub(crate) fn data(state: &State, request: &DataRequest<'_>) -> Answer {
    let rest = request
        .path
        .strip_prefix("/services/data")
        .unwrap_or_default()
        .trim_start_matches('/');
    if rest.is_empty() {
        if request.method != Method::GET {
            return method_not_allowed(request.method, &[Method::GET]);
        }
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
    let Some(session) = session(state, request.headers) else {
        return invalid_session();
    };
    let (version, resource) = rest.split_once('/').unwrap_or((rest, ""));
    let known = version
        .strip_prefix('v')
        .and_then(parse_api_version)
        .is_some_and(|major| versions(state).any(|v| v == major));
    let reply = if known {
        resource_reply(
            state,
            request,
            &session,
            version,
            resource.trim_end_matches('/'),
        )
    } else {
        Err(RestError::not_found())
    };
    match reply {
        Ok(Reply::Ok(body)) => ok(&body, Some(&session)),
        Ok(Reply::Created(body)) => {
            let (mut response, outcome) = ok(&body, Some(&session));
            *response.status_mut() = StatusCode::CREATED;
            (response, outcome)
        }
        Ok(Reply::NoContent) => {
            let (_, outcome) = ok(&Value::Null, Some(&session));
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NO_CONTENT;
            (response, outcome)
        }
        Err(error) => error.answer(Some(&session)),
    }
}

/// The resource of a known version, by the segments of its path.
fn resource_reply(
    state: &State,
    request: &DataRequest<'_>,
    session: &Session,
    version: &str,
    resource: &str,
) -> Result<Reply, RestError> {
    let get = [Method::GET];
    let segments: Vec<&str> = resource.split('/').collect();
    match segments.as_slice() {
        [""] => request.allow(&get, || Ok(Reply::Ok(resources(version, &session.id_url)))),
        ["limits"] => request.allow(&get, || Ok(Reply::Ok(limits(state.api_calls())))),
        ["tooling", "query"] => request.allow(&get, || Ok(Reply::Ok(empty_query_result()))),
        ["query" | "queryAll"] => {
            request.allow(&get, || query(state, version, request).map(Reply::Ok))
        }
        ["query" | "queryAll", locator] => {
            request.allow(&get, || next_page(state, version, locator).map(Reply::Ok))
        }
        ["sobjects", ..] | ["composite", "sobjects", ..] => {
            sobjects::reply(state, request, version, &segments)
        }
        _ => Err(RestError::not_found()),
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

/// `query?q=...` and `queryAll?q=...` (deleted records are gone, so both answer
/// alike): the first page, and a `nextRecordsUrl` while records remain.
fn query(state: &State, version: &str, request: &DataRequest<'_>) -> Result<Value, RestError> {
    let text = request
        .parameter("q")
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| RestError::malformed_query("A query string has to be specified"))?;
    let parsed = soql::parse(&text)?;
    if request.parameter("columns").as_deref() == Some("true") {
        return columns(state, &parsed);
    }
    let rows = state.store().query(&parsed)?;
    let records: VecDeque<Value> = rows
        .records
        .into_iter()
        .map(|(id, fields)| {
            let mut record = serde_json::Map::new();
            record.insert(
                "attributes".to_owned(),
                sobjects::attributes(&rows.object, &id, version),
            );
            record.extend(fields);
            Value::Object(record)
        })
        .collect();
    let cursor = Cursor::new(records, rows.total_size, batch_size(request.headers));
    Ok(state.cursors().page(cursor, version))
}

/// `query?columns=true&q=...`: what the query's columns are (the Salesforce CLI asks,
/// to lay out its table), not its records.
fn columns(state: &State, query: &soql::Query) -> Result<Value, RestError> {
    let store = state.store();
    let (object, fields) = store.selected_fields(query)?;
    let metadata: Vec<Value> = fields
        .iter()
        .map(|field| {
            let kind = field.field_type.as_str();
            let apex_type = match kind {
                "id" | "reference" => "Id",
                "boolean" => "Boolean",
                "int" => "Integer",
                "double" | "percent" => "Double",
                "currency" => "Decimal",
                "date" => "Date",
                "datetime" => "Datetime",
                _ => "String",
            };
            json!({
                "aggregate": false,
                "apexType": apex_type,
                "booleanType": kind == "boolean",
                "columnName": field.name,
                "custom": field.name.ends_with("__c"),
                "displayName": field.name,
                "foreignKeyName": null,
                "insertable": kind != "id",
                "joinColumns": [],
                "numberType": matches!(kind, "int" | "double" | "currency" | "percent"),
                "textType": apex_type == "String",
                "updatable": kind != "id",
            })
        })
        .collect();
    Ok(json!({
        "columnMetadata": metadata,
        "entityName": object.name(),
        "groupBy": false,
        "idSelected": fields.iter().any(|f| f.field_type == "id"),
        "keyPrefix": object.key_prefix(),
    }))
}

/// `query/<locator>-<position>`: the next page of an earlier query.
fn next_page(state: &State, version: &str, locator: &str) -> Result<Value, RestError> {
    let invalid = || RestError::new("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (id, position) = locator.split_once('-').ok_or_else(invalid)?;
    let id: u64 = id
        .strip_prefix("01g")
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid)?;
    let position: usize = position.parse().map_err(|_| invalid())?;
    let mut cursors = state.cursors();
    let cursor = cursors.take(id, position).ok_or_else(invalid)?;
    Ok(cursors.page(cursor, version))
}

/// `GET /services/data/vNN.0`: the resources of a version that the emulator serves,
/// by name, and the session's identity URL.
fn resources(version: &str, identity: &str) -> Value {
    let names = [
        "composite",
        "limits",
        "query",
        "queryAll",
        "sobjects",
        "tooling",
    ];
    let mut list: serde_json::Map<String, Value> = names
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                Value::String(format!("/services/data/{version}/{name}")),
            )
        })
        .collect();
    list.insert("identity".to_owned(), Value::String(identity.to_owned()));
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
