// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Connections, TLS, routing, faults and the admin endpoints; the endpoints themselves
//! are in [`api`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lc_rs::constant_time;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub(crate) mod faults;
pub(crate) mod tls;

use crate::ADMIN_HEADER;
use crate::api::{self, Answer, Reached, data, identity, json_response, token};
use crate::org::faults::{Fault, FaultAction};
use crate::state::State;
use crate::state::log::{LogEntry, Outcome, now_rfc3339};
use faults::ResponseBody;

/// The largest request body read; Salesforce's token requests are a few KiB.
const MAX_BODY: usize = 64 * 1024;
/// The largest body of a REST write: 200 records of a `composite/sobjects` load fit.
const MAX_REST_BODY: usize = 2 * 1024 * 1024;
/// A client that has not finished its handshake or headers by then is dropped, so that
/// idle sockets cannot pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an oversized body is read (and discarded) before answering 413.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// One listening port.
#[derive(Debug)]
pub(crate) struct Port {
    /// `"tls"` or `"mtls"`.
    pub(crate) kind: &'static str,
    /// The port number.
    pub(crate) number: u16,
    /// The `instance_url` given to clients that log in through this port's generic
    /// host (`https://127.0.0.1:<port>`).
    pub(crate) base_url: String,
    /// The same for the org's My Domain (`https://<my domain>:<port>`).
    pub(crate) my_domain_url: String,
}

/// The host a request names, lowercased, without port or trailing dot: from an
/// absolute request URI (which RFC 9112 says wins) or else the `Host` header; empty
/// when there is none.
fn request_host(request: &Parts) -> String {
    let host = match request.uri.host() {
        Some(host) => host,
        None => {
            let header = request
                .headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .trim();
            if header.starts_with('[') {
                // An IPv6 literal keeps its brackets; its colons are not a port.
                header.split_inclusive(']').next().unwrap_or(header)
            } else {
                match header.rsplit_once(':') {
                    Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                    _ => header,
                }
            }
        }
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// One accepted connection.
#[derive(Debug)]
struct Connection {
    port: Arc<Port>,
    client_certificate: bool,
}

/// The service's error: hyper closes the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until the runtime shuts down.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    port: Arc<Port>,
    state: Arc<State>,
) {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                // As real servers do: without it, a small response written after the TLS
                // 1.3 session tickets waits for the client's delayed ACK (40 ms on Linux).
                let _ = tcp.set_nodelay(true);
                tokio::spawn(connection(
                    tcp,
                    acceptor.clone(),
                    port.clone(),
                    state.clone(),
                ));
            }
            // Out of descriptors or similar: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn connection(
    tcp: tokio::net::TcpStream,
    acceptor: TlsAcceptor,
    port: Arc<Port>,
    state: Arc<State>,
) {
    // A failed handshake (no or unknown client certificate, untrusted CA on the client
    // side) just closes the socket; the client reports it.
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    state.count_handshake();
    let client_certificate = tls
        .get_ref()
        .1
        .peer_certificates()
        .is_some_and(|certs| !certs.is_empty());
    let connection = Arc::new(Connection {
        port,
        client_certificate,
    });
    let service = service_fn(move |request| handle(state.clone(), connection.clone(), request));
    // Errors here are the client's (reset, garbage) or a dropped-connection fault.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await;
}

async fn handle(
    state: Arc<State>,
    connection: Arc<Connection>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, DropConnection> {
    let skew = state.org.clock_skew_secs;
    let mut response = answer(state, connection, request).await?;
    // hyper adds a Date header only when there is none: ours follows the skewed clock.
    let now = SystemTime::now();
    let server_now = if skew >= 0 {
        now + Duration::from_secs(skew.unsigned_abs())
    } else {
        now - Duration::from_secs(skew.unsigned_abs())
    };
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(server_now)) {
        response.headers_mut().insert(DATE, date);
    }
    Ok(response)
}

async fn answer(
    state: Arc<State>,
    connection: Arc<Connection>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, DropConnection> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    // Every local user can reach the loopback port, so the admin endpoints (faults,
    // revocation, the log) answer only requests that carry this run's secret. The body
    // is read first even for a refusal, so that the connection stays usable.
    if let Some(admin_path) = path.strip_prefix("/__emulator/") {
        let body = read_body(&parts.headers, body, MAX_BODY).await?;
        let response = if is_admin(&state, &parts.headers) {
            admin(&state, &parts.method, admin_path, body)
        } else {
            admin_forbidden()
        };
        return Ok(response.map(ResponseBody::whole));
    }
    let host = request_host(&parts);
    let record = |status: u16, outcome: Outcome| {
        state.record(LogEntry {
            time: now_rfc3339(),
            port_kind: connection.port.kind.to_owned(),
            host: host.clone(),
            method: parts.method.to_string(),
            path: path.to_owned(),
            status,
            outcome: outcome.outcome,
            client_certificate: connection.client_certificate,
            username: outcome.username,
            consumer_key: outcome.consumer_key,
        });
    };
    let fault = state.take_fault(path);
    if fault == Some(FaultAction::Drop) {
        record(0, Outcome::new("fault: drop"));
        return Err(DropConnection);
    }
    // Read before answering even a fault: a response that leaves the request body
    // unread makes hyper close the connection, and a client that reuses it fails.
    let max = if is_rest(path) {
        MAX_REST_BODY
    } else {
        MAX_BODY
    };
    let body = read_body(&parts.headers, body, max).await?;
    let mut delayed = None;
    match fault {
        Some(FaultAction::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            delayed = Some(ms);
        }
        Some(action) => {
            if let Some((response, outcome)) = faults::respond(&action) {
                record(response.status().as_u16(), Outcome::new(outcome));
                return Ok(response);
            }
        }
        None => {}
    }
    let my_domain = host == state.org.my_domain;
    let reached = Reached {
        my_domain,
        port: connection.port.number,
        base_url: if my_domain {
            &connection.port.my_domain_url
        } else {
            &connection.port.base_url
        },
    };
    let (response, mut outcome) = match body {
        Body::Complete(body) => route(&state, &reached, &parts, &body),
        Body::TooLarge if is_rest(path) => api::too_large(),
        Body::TooLarge => too_large(),
    };
    if let Some(ms) = delayed {
        outcome.outcome = format!("fault: delay {ms} ms, then {}", outcome.outcome);
    }
    record(response.status().as_u16(), outcome);
    Ok(response.map(ResponseBody::whole))
}

fn route(state: &State, reached: &Reached<'_>, request: &Parts, body: &[u8]) -> Answer {
    let path = request.uri.path();
    let method = &request.method;
    let base_url = reached.base_url;
    match path {
        "/services/oauth2/token" => {
            if method != Method::POST {
                return token::NOT_POST.response();
            }
            let form_encoded = request
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.split(';').next().is_some_and(|mime| {
                        mime.trim()
                            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                    })
                });
            token::exchange(state, form_encoded, body, reached)
        }
        "/services/oauth2/userinfo" => {
            if method != Method::GET && method != Method::POST {
                return api::method_not_allowed(method, &[Method::GET, Method::POST]);
            }
            identity::userinfo(state, &request.headers, base_url)
        }
        _ if path.starts_with("/id/") => {
            if method != Method::GET && method != Method::POST {
                return api::method_not_allowed(method, &[Method::GET, Method::POST]);
            }
            identity::identity(state, path, &request.headers, base_url)
        }
        _ if is_rest(path) => data::data(
            state,
            &api::DataRequest {
                method: &method_override(method, request.uri.query()),
                path,
                query_string: request.uri.query(),
                headers: &request.headers,
                body,
            },
        ),
        _ => api::not_found(),
    }
}

/// The method a REST request stands for: a POST with `?_HttpMethod=PATCH` (or DELETE,
/// ...) is that method, as Salesforce allows for HTTP libraries that cannot send PATCH
/// (Java's `HttpURLConnection`).
fn method_override(method: &Method, query: Option<&str>) -> Method {
    let wanted = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("_HttpMethod="));
    match wanted.map(|name| Method::from_bytes(name.as_bytes())) {
        Some(Ok(wanted)) if method == Method::POST => wanted,
        _ => method.clone(),
    }
}

/// The REST API's paths, whose errors and body bound are the REST API's.
fn is_rest(path: &str) -> bool {
    path == "/services/data" || path.starts_with("/services/data/")
}

/// A request body, read whole.
enum Body {
    /// Within the bound.
    Complete(Bytes),
    /// Over the bound: refused with 413.
    TooLarge,
}

fn too_large() -> Answer {
    let body = json!({"error": "invalid_request", "error_description": "request body too large"});
    (
        json_response(StatusCode::PAYLOAD_TOO_LARGE, &body),
        Outcome::new("invalid_request: request body too large"),
    )
}

/// Reads the body, up to `max` bytes. One over `max` is still read and discarded up
/// to [`DRAIN_LIMIT`], so that the client gets to read the 413 instead of a broken
/// pipe; beyond that the connection closes after the 413. `Err` when the client went
/// away or is too slow.
async fn read_body(
    headers: &HeaderMap,
    mut body: Incoming,
    max: usize,
) -> Result<Body, DropConnection> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > DRAIN_LIMIT as u64) {
        return Ok(Body::TooLarge);
    }
    let read = async {
        let mut kept = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(|_| DropConnection)?.into_data() else {
                continue; // trailers
            };
            total = total.saturating_add(data.len());
            if total > DRAIN_LIMIT {
                return Ok(Body::TooLarge);
            }
            if total <= max {
                kept.extend_from_slice(&data);
            }
        }
        Ok(if total > max {
            Body::TooLarge
        } else {
            Body::Complete(Bytes::from(kept))
        })
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(DropConnection))
}

/// Whether a request carries this run's admin secret, compared in constant time so
/// that the answer's timing does not tell how much of a guess was right.
fn is_admin(state: &State, headers: &HeaderMap) -> bool {
    headers.get(ADMIN_HEADER).is_some_and(|given| {
        constant_time::verify_slices_are_equal(given.as_bytes(), state.admin_secret().as_bytes())
            .is_ok()
    })
}

/// 403 for an admin request without this run's secret, saying where the secret is.
fn admin_forbidden() -> Response<Full<Bytes>> {
    json_response(
        StatusCode::FORBIDDEN,
        &json!({
            "error": "forbidden",
            "error_description": format!(
                "the admin endpoints need this run's secret in the {ADMIN_HEADER} header: \
                 sfjwt emulator writes it to <port file>.admin, or prints it without \
                 --port-file"
            ),
        }),
    )
}

/// `/__emulator/...`: control for tests that run the emulator as a process. Never
/// faulted nor logged, so that controlling the emulator does not disturb what it shows.
fn admin(state: &State, method: &Method, path: &str, body: Body) -> Response<Full<Bytes>> {
    let bad_request = |description: String| {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_request", "error_description": description}),
        )
    };
    match (method, path) {
        (&Method::POST, "faults") => {
            let Body::Complete(body) = body else {
                return too_large().0;
            };
            let faults: Vec<Fault> = match serde_json::from_slice(&body) {
                Ok(faults) => faults,
                Err(e) => return bad_request(format!("not a JSON array of faults: {e}")),
            };
            if let Some(error) = faults.iter().find_map(|f| f.check().err()) {
                return bad_request(error.to_string());
            }
            let count = faults.len();
            state.set_faults(faults);
            json_response(StatusCode::OK, &json!({ "faults": count }))
        }
        (&Method::POST, "revoke") => {
            let revoked = state.revoke_tokens();
            json_response(StatusCode::OK, &json!({ "revoked": revoked }))
        }
        (&Method::GET, "stats") => json_response(
            StatusCode::OK,
            &json!({
                "handshakes": state.tls_handshakes(),
                "logins": state.login_count(),
                "api_calls": state.api_calls(),
            }),
        ),
        (&Method::GET, "log") => match serde_json::to_value(state.log()) {
            Ok(log) => json_response(StatusCode::OK, &log),
            Err(e) => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"error": "server_error", "error_description": e.to_string()}),
            ),
        },
        _ => api::not_found().0,
    }
}
