// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! A Salesforce-compatible login and REST server for offline tests and demos: the crate
//! behind `sfjwt emulator` and `sfjwt demo`, and the server every language's tests log
//! in to. The `sfjwt` library does not depend on it.
//!
//! It speaks real HTTPS on 127.0.0.1 with a CA generated at each start (clients trust
//! it through `ca_file`, see [`Emulator::ca_pem`]), and reproduces what `salesforce.md`
//! describes: connected apps and External Client Apps, the org's My Domain told apart
//! from the generic login hosts by host name, the JWT Bearer checks and their exact
//! error bodies, the REST calls a
//! client makes after login (userinfo, the identity URL, the version list, `limits`,
//! SOQL `query` with paging, describe, records by id and `composite/sobjects`, on
//! seeded in-memory data; see `api/data.rs` and `api/sobjects.rs`), an optional mutual-TLS
//! port, a request log and fault injection.
//! Every response carries a `Date` header, from which clients measure clock offset.
//!
//! # Two hosts: the generic login host and the org's My Domain
//!
//! A request whose `Host` (port stripped, any case) is the org's `my_domain` (default
//! `localhost`) is a *My Domain request*, as to `https://acme.my.salesforce.com`; any
//! other host, 127.0.0.1 among them, is the *generic login host*, the stand-in for
//! login.salesforce.com and test.salesforce.com. The server certificate names both, so
//! `https://127.0.0.1:<port>` ([`Emulator::base_url`]) and `https://localhost:<port>`
//! ([`Emulator::my_domain_url`]) verify for real. A login answers with `instance_url`
//! (and the base of `id` and the REST URLs) on the host it reached: the port's
//! 127.0.0.1 URL through the generic host, the My Domain URL through the My Domain.
//! An External Client App is found only through the My Domain; a connected app
//! through either.
//!
//! # Configuration file
//!
//! ```json
//! {"org_id":"00D000000000001AAA","newest_api_version":"62.0","my_domain":"localhost",
//!  "apps":[{"consumer_key":"3MVG9demo","certificate_file":"demo.crt"}],
//!  "external_client_apps":[{"consumer_key":"3MVG9eca","certificate_file":"demo.crt",
//!      "permitted_users":"admin_approved","permission_sets":["ETL_Integration"]}],
//!  "users":[{"username":"etl@example.com","permission_sets":["ETL_Integration"]},
//!           {"username":"new@example.com","approved":false},
//!           {"username":"gone@example.com","active":false}],
//!  "mtls_certificates_files":["demo.crt"], "faults":[]}
//! ```
//!
//! Every key is optional. Top level: `org_id` (default `00D000000000001AAA`),
//! `my_domain` (`localhost`: a host name, never an IP address; a name other than
//! localhost needs a resolver entry or a client-side mapping to 127.0.0.1),
//! `newest_api_version` (`62.0`; `/services/data/` lists every version from 31.0 to it),
//! `max_assertion_lifetime_secs` (none: how far ahead `exp` may be; Salesforce sets no
//! bound, so only tests that want one set it), `clock_skew_secs` (0: how far the server's clock, and so
//! its `exp` checks and `Date` header, runs ahead of this machine's),
//! `login_rate_limit_per_hour` (3600 per user),
//! `extra_audiences` (site URLs accepted as `aud` besides login and test),
//! `mtls_certificates` (PEM strings) and `mtls_certificates_files`, `faults` (see
//! [`Fault`]), `objects` (see [`SObjectData`]: the records `query` answers from).
//!
//! Bounds, so that a long run or a hostile client cannot grow the emulator without
//! end: `max_records` (100,000: the records of every object together; a create
//! beyond it gets 400 `STORAGE_LIMIT_EXCEEDED`, a seed beyond it is a CONFIG error),
//! `max_sessions` (10,000: a login beyond it ends the oldest session, whose token then
//! gets 401 `INVALID_SESSION_ID`), `request_log_capacity` (10,000: the newest requests
//! kept in memory for [`Emulator::log`] and `GET /__emulator/log`; the `--log` file
//! keeps every one). Query cursors are bounded too (the newest 100 stay open).
//!
//! An app (connected app, in `apps`): `consumer_key`, `certificate_pem` or
//! `certificate_file` (the certificate uploaded to the connected app, RSA),
//! `admin_approved_only` (false), `assigned_users` (usernames, for admin-approved
//! apps), `scopes` (default `api`, `refresh_token`, `offline_access`). An External
//! Client App (in `external_client_apps`): `consumer_key`, `certificate_pem` or
//! `certificate_file` (optional only with the flow off), `jwt_bearer_flow_enabled`
//! (true), `permitted_users` (`"all_users"`, the default: the user's own approval
//! decides; or `"admin_approved"`: only holders of one of `permission_sets` may log
//! in), `permission_sets` (names), `scopes` (as for apps), `name` (shown in messages),
//! `jwt_disabled_error` and `jwt_disabled_error_description` (the answer while the flow
//! is off: Salesforce publishes none, so the default `invalid_grant` / `invalid
//! assertion` is a choice, see [`JWT_DISABLED_ERROR`]). A consumer key names one app of
//! either kind. A user: `username`, `approved` (true), `active` (true),
//! `ip_restricted` (false), `user_id` (generated when absent), `permission_sets`
//! (names; none by default). Files are relative to the configuration file's directory.
//!
//! External Client Apps can also come from Salesforce metadata in source format: see
//! [`AppMetadata::load`] and [`EmulatorConfig::with_app_metadata`].
//!
//! # Token endpoint checks, in order
//!
//! grant type → JWT well-formed with `alg` RS256 → `iss` is a consumer key → for an
//! External Client App: reached through the My Domain (else `app_not_found`), then its
//! JWT Bearer flow enabled (else its `jwt_disabled_error`) → signature verifies with
//! the app's certificate → `aud` accepted: for a connected app login, test or an extra
//! audience (else `audience is invalid`, the My Domain URL included), for an External
//! Client App the My Domain URL, `https://<my_domain>` or with the port reached, a
//! trailing `/` allowed (else `app_not_found`) → `exp` not past → `exp` not beyond
//! the allowed lifetime → user known → pre-authorization (an admin-approved connected
//! app's assigned users, an admin-approved External Client App's permission-set
//! holders; else `invalid_app_access`) or the user's own approval (other apps) →
//! active → IP range → hourly login limit → the app has the `api` scope.
//!
//! # Faults
//!
//! A [`Fault`] applies to the next `times` requests whose path starts with its
//! `path_prefix` (default the token endpoint); the plan is searched in order.
//! In JSON: `{"path_prefix":"/services/","times":2,"action":{"kind":"delay","ms":500}}`;
//! the kinds are `status` (`status`, `retry_after_secs`, `body`), `html` (a 503
//! maintenance page), `drop` (the connection closed before any response), `cut` (a 200
//! whose headers and first bytes are sent, then the connection closed mid-response),
//! `malformed` (a 200 with truncated JSON), `oversized` (a 200 with a JSON body of
//! `bytes`, default 2 MiB, beyond the clients' 1 MiB cap), `empty`, `delay` (`ms`) and
//! `redirect` (`location`).
//!
//! # Admin endpoints
//!
//! For tests that run `sfjwt emulator` as a process: `POST /__emulator/faults` (a JSON
//! array of faults, replacing the plan), `POST /__emulator/revoke` (every token becomes
//! invalid), `GET /__emulator/log` (the request log as a JSON array), `GET
//! /__emulator/stats` (`{"handshakes": n, "logins": n, "api_calls": n}`: completed TLS
//! handshakes, tokens issued, authorized REST calls). They are neither
//! faulted nor logged.
//!
//! Every local user can reach the loopback port, so each request to them must carry
//! this run's admin secret in the [`ADMIN_HEADER`] header (`X-Sfjwt-Emulator-Admin`),
//! else it gets 403 `{"error": "forbidden", ...}`. The secret is 32 random bytes in
//! hex, new at each start: [`Emulator::admin_secret`] in Rust; `sfjwt emulator
//! --port-file PORT` writes it to `PORT.admin` (mode 0600, before the port file) and
//! without `--port-file` prints it on stderr. It is the run's own, not a Salesforce
//! credential.

mod api;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod org;
mod server;
mod state;
mod store;

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

pub use org::config::{
    ConnectedApp, EmulatorConfig, ExternalClientApp, JWT_DISABLED_ERROR,
    JWT_DISABLED_ERROR_DESCRIPTION, PermittedUsers, User,
};
pub use org::faults::{Fault, FaultAction};
pub use org::metadata::{AppMetadata, derived_consumer_key};
pub use org::objects::{Field, SObjectData};
pub use state::log::LogEntry;

use server::{Port, tls};
use sfjwt::{Error, Result};
use state::State;

/// A name the emulator's certificate also holds, for tests that reach it through a
/// proxy: sfjwt never proxies loopback targets, so a test of proxying logs in at
/// `https://emulator.sfjwt.test:<port>` and its proxy connects to 127.0.0.1 (`.test`
/// is reserved: the name never resolves anywhere).
pub const PROXIED_HOST: &str = "emulator.sfjwt.test";

/// The header that carries the admin secret to `/__emulator/...` (see the crate docs).
pub const ADMIN_HEADER: &str = "X-Sfjwt-Emulator-Admin";

/// The file `sfjwt emulator` writes the admin secret to: `<port file>.admin`.
pub fn admin_secret_file(port_file: &Path) -> PathBuf {
    let mut name = port_file.as_os_str().to_owned();
    name.push(".admin");
    PathBuf::from(name)
}

/// Where to listen and log.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// The TLS port; 0 picks a free one.
    pub port: u16,
    /// Also open a mutual-TLS port (0 picks a free one).
    pub mtls_port: Option<u16>,
    /// Append the request log to this file as JSON lines.
    pub log_file: Option<PathBuf>,
}

/// A running emulator. It stops on [`Emulator::shutdown`] or when dropped.
pub struct Emulator {
    state: Arc<State>,
    port: u16,
    mtls_port: Option<u16>,
    my_domain: String,
    ca_pem: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("port", &self.port)
            .field("mtls_port", &self.mtls_port)
            .finish_non_exhaustive()
    }
}

fn base_url(port: u16) -> String {
    format!("https://127.0.0.1:{port}")
}

fn my_domain_url(my_domain: &str, port: u16) -> String {
    format!("https://{my_domain}:{port}")
}

fn bind(port: u16) -> Result<TcpListener> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
        Error::Internal(format!("emulator: cannot listen on 127.0.0.1:{port}: {e}"))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(format!("emulator: cannot configure the socket: {e}")))?;
    Ok(listener)
}

fn local_port(listener: &TcpListener) -> Result<u16> {
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|e| Error::Internal(format!("emulator: no local address: {e}")))
}

impl Emulator {
    /// Checks `config`, generates the TLS material, binds the ports and serves them
    /// from a runtime of its own. Returns once the ports accept connections.
    pub fn start(config: EmulatorConfig, options: StartOptions) -> Result<Emulator> {
        let org = org::config::Org::new(&config)?;
        // Checked right after the org, in the order a config has always failed in; the
        // store, not the org, holds the checked objects.
        let objects = store::with_room(store::objects(&config.objects)?, config.max_records)?;
        if options.mtls_port.is_some() && org.mtls_certificates.is_empty() {
            return Err(Error::config(
                "mtls_certificates",
                "the mutual-TLS port needs at least one allowed client certificate",
            ));
        }
        let tls = tls::Tls::generate(
            options.mtls_port.map(|_| org.mtls_certificates.as_slice()),
            &org.my_domain,
        )?;
        let my_domain = org.my_domain.clone();
        let log =
            state::log::RequestLog::new(options.log_file.as_deref(), org.request_log_capacity)?;
        let admin_secret = api::random_bytes::<32>()
            .map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
            .ok_or_else(|| {
                Error::Internal("emulator: no randomness for the admin secret".into())
            })?;
        let state = Arc::new(State::new(org, objects, config.faults, log, admin_secret));

        let listener = bind(options.port)?;
        let port = local_port(&listener)?;
        let mut listeners = vec![(listener, tls.server, "tls", port)];
        let mtls_port = match (options.mtls_port, tls.mtls) {
            (Some(requested), Some(server)) => {
                let listener = bind(requested)?;
                let mtls_port = local_port(&listener)?;
                listeners.push((listener, server, "mtls", mtls_port));
                Some(mtls_port)
            }
            _ => None,
        };

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sfjwt-emulator")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("emulator: cannot start a runtime: {e}")))?;
        for (listener, server_config, kind, port) in listeners {
            let listener = {
                // Registering with the reactor needs the runtime's context.
                let _context = runtime.enter();
                tokio::net::TcpListener::from_std(listener).map_err(|e| {
                    Error::Internal(format!("emulator: cannot register the socket: {e}"))
                })?
            };
            let port = Arc::new(Port {
                kind,
                number: port,
                base_url: base_url(port),
                my_domain_url: my_domain_url(&my_domain, port),
            });
            runtime.spawn(server::serve(
                listener,
                TlsAcceptor::from(server_config),
                port,
                state.clone(),
            ));
        }

        // The runtime lives on a thread of its own so that stopping it (which blocks)
        // works even when the emulator is dropped inside someone else's async code.
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sfjwt-emulator-main".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    // Either a stop message or the Emulator dropped its sender.
                    let _ = stopped.await;
                });
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .map_err(|e| Error::Internal(format!("emulator: cannot spawn its thread: {e}")))?;

        Ok(Emulator {
            state,
            port,
            mtls_port,
            my_domain,
            ca_pem: tls.ca_pem,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `https://127.0.0.1:<port>`: the generic login host, where connected apps log in
    /// as at login.salesforce.com.
    pub fn base_url(&self) -> String {
        base_url(self.port)
    }

    /// `https://<my_domain>:<port>` (`https://localhost:<port>` by default): the org's
    /// My Domain, where External Client Apps log in too.
    pub fn my_domain_url(&self) -> String {
        my_domain_url(&self.my_domain, self.port)
    }

    /// The org's My Domain on the mutual-TLS port, when one was asked for.
    pub fn mtls_my_domain_url(&self) -> Option<String> {
        self.mtls_port
            .map(|port| my_domain_url(&self.my_domain, port))
    }

    /// The org's My Domain host name, lowercase.
    pub fn my_domain(&self) -> &str {
        &self.my_domain
    }

    /// The TLS port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https://127.0.0.1:<mtls port>`, when a mutual-TLS port was asked for.
    pub fn mtls_base_url(&self) -> Option<String> {
        self.mtls_port.map(base_url)
    }

    /// The mutual-TLS port, when one was asked for.
    pub fn mtls_port(&self) -> Option<u16> {
        self.mtls_port
    }

    /// The PEM certificate of this run's CA, for clients to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// This run's admin secret: the value of [`ADMIN_HEADER`] that `/__emulator/...`
    /// requests must carry.
    pub fn admin_secret(&self) -> &str {
        self.state.admin_secret()
    }

    /// The requests so far, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        self.state.log()
    }

    /// How many tokens were issued so far.
    pub fn login_count(&self) -> usize {
        self.state.login_count()
    }

    /// How many TLS handshakes completed so far, on every port: one per connection a
    /// client opened, so a client that reuses its connections adds one, not one per request.
    pub fn tls_handshakes(&self) -> u64 {
        self.state.tls_handshakes()
    }

    /// How many more requests the fault plan applies to: 0 once every fault was used
    /// (a delayed request counts from its arrival, not its answer).
    pub fn faults_pending(&self) -> u32 {
        self.state.faults_pending()
    }

    /// Replaces the fault plan.
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.state.set_faults(faults);
    }

    /// Invalidates every token issued so far, as an expired session would.
    pub fn revoke_tokens(&self) {
        self.state.revoke_tokens();
    }

    /// Stops serving and waits for the server's threads to end.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The arguments of `sfjwt emulator`.
#[derive(Debug, Clone, Default)]
pub struct EmulatorArgs {
    /// The JSON configuration file; without it the org is the defaults plus what
    /// `app_metadata` and `users` add.
    pub config: Option<PathBuf>,
    /// Salesforce DX source folders whose External Client Apps the org holds (see
    /// [`AppMetadata::load`]).
    pub app_metadata: Vec<PathBuf>,
    /// Users holding every permission set of `app_metadata` (added when the
    /// configuration has no user of that name).
    pub users: Vec<String>,
    /// Overrides the configuration's `my_domain`.
    pub my_domain: Option<String>,
    /// The TLS port; 0 picks a free one.
    pub port: u16,
    /// Write the bound TLS port here (digits only, no newline).
    pub port_file: Option<PathBuf>,
    /// Write the CA certificate (PEM) here.
    pub ca_out: Option<PathBuf>,
    /// Also open a mutual-TLS port (0 picks a free one).
    pub mtls_port: Option<u16>,
    /// Write the bound mutual-TLS port here.
    pub mtls_port_file: Option<PathBuf>,
    /// Append the request log here as JSON lines.
    pub log: Option<PathBuf>,
}

/// `sfjwt emulator`: starts, prints `External Client App <Name>: consumer key <key>` for
/// each app of `app_metadata`, writes the CA and the port files, prints
/// `emulator listening on https://127.0.0.1:PORT` and `emulator My Domain
/// https://<my_domain>:PORT` to stderr, then serves until SIGTERM or SIGINT (Ctrl-C
/// elsewhere) and returns `Ok` after a clean stop.
///
/// Files are written whole (to a temporary file, then renamed), the TLS port file
/// last: once it exists, the CA, the mutual-TLS port file and the admin secret
/// (`<port file>.admin`, owner-only) are in place too.
pub fn run_cli(args: EmulatorArgs) -> Result<()> {
    if args.mtls_port_file.is_some() && args.mtls_port.is_none() {
        return Err(Error::config(
            "mtls_port_file",
            "needs --mtls-port (0 picks a free port)",
        ));
    }
    let config = org_of(&args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("emulator: cannot start a runtime: {e}")))?;
    // Signal handlers are installed before the port files appear: a test that reads
    // the port and at once sends SIGTERM must get a clean stop, not the default kill.
    let mut stop_signal = {
        let _context = runtime.enter();
        StopSignal::install()?
    };
    let named_apps: Vec<(String, String)> = config
        .external_client_apps
        .iter()
        .filter_map(|app| Some((app.name.clone()?, app.consumer_key.clone())))
        .collect();
    let emulator = Emulator::start(
        config,
        StartOptions {
            port: args.port,
            mtls_port: args.mtls_port,
            log_file: args.log,
        },
    )?;
    // Before the port file appears, so that a test that waits for it has them too.
    for (name, consumer_key) in &named_apps {
        eprintln!("External Client App {name}: consumer key {consumer_key}");
    }
    if let Some(path) = &args.ca_out {
        write_whole(path, emulator.ca_pem(), "ca_out", false)?;
    }
    if let (Some(path), Some(port)) = (&args.mtls_port_file, emulator.mtls_port()) {
        write_whole(path, &port.to_string(), "mtls_port_file", false)?;
    }
    match &args.port_file {
        Some(path) => {
            let secret_file = admin_secret_file(path);
            write_whole(&secret_file, emulator.admin_secret(), "port_file", true)?;
            eprintln!("emulator admin secret in {}", secret_file.display());
            write_whole(path, &emulator.port().to_string(), "port_file", false)?;
        }
        // The user's own per-run secret, for the admin endpoints only.
        None => eprintln!(
            "emulator admin secret {} (send it as {ADMIN_HEADER} to /__emulator/...)",
            emulator.admin_secret()
        ),
    }
    match emulator.mtls_base_url() {
        Some(mtls) => eprintln!(
            "emulator listening on {} (mutual TLS on {mtls})",
            emulator.base_url()
        ),
        None => eprintln!("emulator listening on {}", emulator.base_url()),
    }
    eprintln!("emulator My Domain {}", emulator.my_domain_url());
    runtime.block_on(stop_signal.wait());
    emulator.shutdown();
    Ok(())
}

/// The org of `sfjwt emulator`: the configuration file (or the defaults), its My
/// Domain overridden, the apps of every metadata folder, and the users given the
/// metadata's permission sets.
fn org_of(args: &EmulatorArgs) -> Result<EmulatorConfig> {
    let mut config = match &args.config {
        Some(path) => EmulatorConfig::from_file(path)?,
        None if args.app_metadata.is_empty() => {
            return Err(Error::config(
                "config",
                "sfjwt emulator needs --config FILE, --app-metadata DIR, or both",
            ));
        }
        None => EmulatorConfig::default(),
    };
    if let Some(my_domain) = &args.my_domain {
        config.my_domain.clone_from(my_domain);
    }
    let mut permission_sets = Vec::new();
    for dir in &args.app_metadata {
        let metadata = AppMetadata::load(dir)?;
        config.external_client_apps.extend(metadata.apps);
        permission_sets.extend(metadata.permission_sets);
    }
    for username in &args.users {
        config.assign_permission_sets(username, &permission_sets);
    }
    Ok(config)
}

/// SIGTERM or SIGINT.
#[cfg(unix)]
struct StopSignal {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl StopSignal {
    fn install() -> Result<StopSignal> {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind| {
            signal(kind).map_err(|e| {
                Error::Internal(format!("emulator: cannot install a signal handler: {e}"))
            })
        };
        Ok(StopSignal {
            terminate: install(SignalKind::terminate())?,
            interrupt: install(SignalKind::interrupt())?,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
struct StopSignal;

#[cfg(not(unix))]
impl StopSignal {
    fn install() -> Result<StopSignal> {
        Ok(StopSignal)
    }

    async fn wait(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Writes `contents` to a temporary sibling, then renames it over `path`, so that a
/// reader polling for `path` never sees a partial file. The temporary file is created
/// new: a file or symlink planted at its (predictable) name is neither followed nor
/// replaced. `owner_only` files get mode 0600 from their creation on.
fn write_whole(path: &Path, contents: &str, key: &str, owner_only: bool) -> Result<()> {
    use std::io::Write;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let failed =
        |e: std::io::Error| Error::config(key, format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if owner_only {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = owner_only; // Windows: the directory's ACL decides
    let mut file = options.open(&temporary).map_err(failed)?;
    file.write_all(contents.as_bytes())
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            failed(e)
        })
}

#[cfg(all(test, unix))]
mod tests {
    use sfjwt::ErrorCode;

    /// A symlink planted at the temporary name (`<file>.tmp-<pid>`) is not followed:
    /// the file it points to keeps its contents, and the write fails with CONFIG.
    #[test]
    fn a_planted_symlink_at_the_temporary_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("sfjwt-write-whole-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").expect("victim");
        let port_file = dir.join("port");
        let planted = dir.join(format!("port.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).expect("symlink");

        let error =
            super::write_whole(&port_file, "1234", "port_file", false).expect_err("refused");
        assert_eq!(error.code(), ErrorCode::Config, "{error}");
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
        assert!(!port_file.exists());

        std::fs::remove_file(&planted).expect("unplant");
        super::write_whole(&port_file, "1234", "port_file", false).expect("written");
        assert_eq!(std::fs::read_to_string(&port_file).expect("port"), "1234");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The admin secret goes next to the port file, readable by its owner alone, even
    /// where an earlier run left a file open to all.
    #[test]
    fn the_admin_secret_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sfjwt-admin-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let secret_file = super::admin_secret_file(&dir.join("port"));
        assert_eq!(secret_file, dir.join("port.admin"));
        std::fs::write(&secret_file, "old").expect("an earlier run's file");
        std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o666))
            .expect("chmod");

        super::write_whole(&secret_file, "s3cret", "port_file", true).expect("written");
        let mode = std::fs::metadata(&secret_file)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_to_string(&secret_file).expect("read"),
            "s3cret"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
