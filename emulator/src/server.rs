// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Connections, routing, faults and the admin endpoints; the endpoints themselves are
//! in `token` and `rest`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime};

use aws_lc_rs::constant_time;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::config::Org;
use super::data::Store;
use super::faults::{self, Fault, FaultAction, FaultPlan, ResponseBody};
use super::log::{LogEntry, Outcome, RequestLog, now_rfc3339};
use super::rest::Cursors;
use super::{ADMIN_HEADER, rest, token};

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

/// A logged-in session.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) username: String,
    pub(super) user_id: String,
    pub(super) id_url: String,
}

/// The sessions held, by token, and their tokens oldest first (each token is random
/// and issued once, so the two always hold the same tokens).
#[derive(Debug, Default)]
struct Sessions {
    by_token: HashMap<String, Session>,
    order: VecDeque<String>,
}

/// Everything the requests share.
#[derive(Debug)]
pub(super) struct State {
    pub(super) org: Org,
    sessions: Mutex<Sessions>,
    logins: Mutex<HashMap<String, VecDeque<Instant>>>,
    login_count: AtomicUsize,
    api_calls: AtomicU64,
    /// Completed TLS handshakes (on every port): one per connection a client opened.
    handshakes: AtomicU64,
    faults: Mutex<FaultPlan>,
    log: RequestLog,
    /// The org's records (seeded, then written by REST calls), and the open query
    /// cursors over them.
    store: RwLock<Store>,
    cursors: Mutex<Cursors>,
    /// This run's secret, which every admin request must carry (see [`ADMIN_HEADER`]).
    admin_secret: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data stays consistent across a panic in another request (each update is a
    // single insert or removal), so poisoning is not a reason to stop serving.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub(super) fn new(
        mut org: Org,
        faults: Vec<Fault>,
        log: RequestLog,
        admin_secret: String,
    ) -> State {
        let objects = std::mem::take(&mut org.objects);
        let max_records = org.max_records;
        State {
            org,
            sessions: Mutex::default(),
            logins: Mutex::new(HashMap::new()),
            login_count: AtomicUsize::new(0),
            api_calls: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            faults: Mutex::new(FaultPlan::new(faults)),
            log,
            store: RwLock::new(Store::new(objects, max_records)),
            cursors: Mutex::default(),
            admin_secret,
        }
    }

    /// Holds a new session, ending the oldest beyond `max_sessions`.
    pub(super) fn add_session(&self, token: String, session: Session) {
        let mut sessions = lock(&self.sessions);
        sessions.order.push_back(token.clone());
        sessions.by_token.insert(token, session);
        while sessions.by_token.len() > self.org.max_sessions {
            let Some(oldest) = sessions.order.pop_front() else {
                break;
            };
            sessions.by_token.remove(&oldest);
        }
        self.login_count.fetch_add(1, Ordering::Relaxed);
    }

    /// The session of a bearer token; counts as an API call.
    pub(super) fn session(&self, token: &str) -> Option<Session> {
        let session = lock(&self.sessions).by_token.get(token).cloned()?;
        self.api_calls.fetch_add(1, Ordering::Relaxed);
        Some(session)
    }

    pub(super) fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store, to write; a write is checked before it changes anything, so a panic
    /// cannot leave it half done.
    pub(super) fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn cursors(&self) -> MutexGuard<'_, Cursors> {
        lock(&self.cursors)
    }

    pub(super) fn api_calls(&self) -> u64 {
        self.api_calls.load(Ordering::Relaxed)
    }

    pub(super) fn logins(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        lock(&self.logins)
    }

    pub(super) fn login_count(&self) -> usize {
        self.login_count.load(Ordering::Relaxed)
    }

    pub(super) fn tls_handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::Relaxed)
    }

    /// Invalidates every token; returns how many there were.
    pub(super) fn revoke_tokens(&self) -> usize {
        let mut sessions = lock(&self.sessions);
        let count = sessions.by_token.len();
        *sessions = Sessions::default();
        count
    }

    pub(super) fn faults_pending(&self) -> u32 {
        lock(&self.faults).pending()
    }

    pub(super) fn set_faults(&self, faults: Vec<Fault>) {
        *lock(&self.faults) = FaultPlan::new(faults);
    }

    pub(super) fn log(&self) -> Vec<LogEntry> {
        self.log.entries()
    }

    pub(super) fn admin_secret(&self) -> &str {
        &self.admin_secret
    }

    /// Whether a request carries this run's admin secret, compared in constant time so
    /// that the answer's timing does not tell how much of a guess was right.
    fn is_admin(&self, headers: &HeaderMap) -> bool {
        headers.get(ADMIN_HEADER).is_some_and(|given| {
            constant_time::verify_slices_are_equal(given.as_bytes(), self.admin_secret.as_bytes())
                .is_ok()
        })
    }
}

/// One listening port.
#[derive(Debug)]
pub(super) struct Port {
    /// `"tls"` or `"mtls"`.
    pub(super) kind: &'static str,
    /// The port number.
    pub(super) number: u16,
    /// The `instance_url` given to clients that log in through this port's generic
    /// host (`https://127.0.0.1:<port>`).
    pub(super) base_url: String,
    /// The same for the org's My Domain (`https://<my domain>:<port>`).
    pub(super) my_domain_url: String,
}

/// How a request reached the emulator: which host, so which base URL it is answered
/// with.
#[derive(Debug)]
pub(super) struct Reached<'a> {
    /// Through the org's My Domain, not a generic login host.
    pub(super) my_domain: bool,
    /// The port the request came in on.
    pub(super) port: u16,
    /// The base of `instance_url`, `id` and the REST URLs answered.
    pub(super) base_url: &'a str,
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

pub(super) type Answer = (Response<Full<Bytes>>, Outcome);

/// Accepts connections until the runtime shuts down.
pub(super) async fn serve(
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
    state.handshakes.fetch_add(1, Ordering::Relaxed);
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
        let response = if state.is_admin(&parts.headers) {
            admin(&state, &parts.method, admin_path, body)
        } else {
            admin_forbidden()
        };
        return Ok(response.map(ResponseBody::whole));
    }
    let host = request_host(&parts);
    let record = |status: u16, outcome: Outcome| {
        state.log.record(LogEntry {
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
    let fault = lock(&state.faults).take(path);
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
        Body::TooLarge if is_rest(path) => rest::too_large(),
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
                return rest::method_not_allowed(method, &[Method::GET, Method::POST]);
            }
            rest::userinfo(state, &request.headers, base_url)
        }
        _ if path.starts_with("/id/") => {
            if method != Method::GET && method != Method::POST {
                return rest::method_not_allowed(method, &[Method::GET, Method::POST]);
            }
            rest::identity(state, path, &request.headers, base_url)
        }
        _ if is_rest(path) => rest::data(
            state,
            &rest::DataRequest {
                method: &method_override(method, request.uri.query()),
                path,
                query_string: request.uri.query(),
                headers: &request.headers,
                body,
            },
        ),
        _ => rest::not_found(),
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
        _ => rest::not_found().0,
    }
}

/// A JSON response with Salesforce's content type.
pub(super) fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// The bearer token of `Authorization: Bearer …` (or Salesforce's older `OAuth …`).
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim())
}

/// Unpredictable bytes for tokens and signatures; `None` only if the OS has no
/// entropy source, which the caller answers with a 500.
pub(super) fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(bytes)
}

/// 500, for what should never happen.
pub(super) fn server_error(outcome: &str) -> Answer {
    (
        json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."}]),
        ),
        Outcome::new(outcome),
    )
}
