// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! HTTPS for the token endpoint and the REST API: rustls with the system roots plus
//! `ca_file`, an optional client certificate, proxies, timeouts, capped bodies, no
//! redirects, and retries with backoff on transient failures.

use std::error::Error as StdError;
use std::io::Read;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use reqwest::Proxy;
use reqwest::blocking::{Client as ReqwestClient, ClientBuilder, RequestBuilder};
use reqwest::redirect::Policy;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::event;
use crate::keystore::SigningKey;

/// Salesforce's answers are small; a bigger body is not Salesforce.
pub(crate) const MAX_BODY_BYTES: u64 = 1024 * 1024;
/// Backoff grows from this, doubling per retry.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// A `Retry-After` beyond this is not waited for in full.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(30);

/// The operating system's trusted roots, read once per process.
static NATIVE_ROOTS: LazyLock<Vec<CertificateDer<'static>>> =
    LazyLock::new(|| rustls_native_certs::load_native_certs().certs);

/// An answer, read in full (up to [`MAX_BODY_BYTES`]).
#[derive(Debug)]
pub(crate) struct Response {
    pub url: String,
    pub status: u16,
    pub date: Option<SystemTime>,
    pub location: Option<String>,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Response {
    /// The start of the body, printable, for error messages.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let cleaned: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        // An assertion echoed back must not reach a log through us.
        if cleaned.contains("eyJhbGciOiJSUzI1NiJ9.") {
            return "(body omitted: it contains a JWT)".to_owned();
        }
        // Nor a token in an answer we refuse (a 200 labelled text/html, a 5xx from a
        // proxy that passed the login through): the whole body is checked, since the
        // token may start inside the excerpt and end after it.
        if text.contains("access_token") || text.contains("refresh_token") {
            return "(body omitted: it contains a token)".to_owned();
        }
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// HTML, as maintenance pages and captive portals send.
    pub fn is_html(&self) -> bool {
        self.content_type.contains("html")
            || self
                .body
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|&b| b == b'<')
    }

    fn is_transient(&self) -> bool {
        self.status >= 500 || self.status == 429
    }
}

/// One HTTP client per configuration, so that connections are reused.
pub(crate) struct Http {
    client: ReqwestClient,
    /// For loopback targets (the emulator, a local test server), which no proxy ever
    /// carries: a proxy would see the assertion or the token, in clear text over http.
    /// Made on first use.
    direct: OnceLock<ReqwestClient>,
    tls: ClientConfig,
    connect_timeout: Duration,
    /// Bounds each request as a whole: connect, headers and body.
    timeout: Duration,
    retries: u32,
    /// Proxy credentials to scrub from error text.
    proxy_password: Option<Zeroizing<String>>,
}

impl Http {
    /// Builds the client. With `mutual_tls`, `identity` is presented in every handshake.
    pub fn new(config: &Config, identity: Option<&SigningKey>) -> Result<Http> {
        let tls = tls_config(config, identity)?;
        let connect_timeout = Duration::from_secs(config.connect_timeout_secs);
        let timeout = Duration::from_secs(config.timeout_secs);
        let mut builder = client_builder(tls.clone(), connect_timeout, timeout);
        let mut proxy_password = None;
        if let Some(proxy_url) = &config.proxy_url {
            let proxy_url = proxy_url.expose();
            proxy_password = url::Url::parse(proxy_url)
                .ok()
                .and_then(|u| u.password().map(|p| Zeroizing::new(p.to_owned())));
            // An explicit proxy_url carries every request; HTTPS_PROXY/NO_PROXY apply
            // only without it (reqwest reads them by default).
            let proxy = Proxy::all(proxy_url)
                .map_err(|_| Error::config("proxy_url", "not a usable proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        let client = builder.build().map_err(setup_failed)?;
        Ok(Http {
            client,
            direct: OnceLock::new(),
            tls,
            connect_timeout,
            timeout,
            retries: config.retries,
            proxy_password,
        })
    }

    /// The longest [`Http::send`] can take: every attempt timing out, with the longest
    /// waits between them.
    pub fn longest_send(&self) -> Duration {
        self.timeout * (self.retries + 1) + RETRY_AFTER_MAX * self.retries
    }

    /// The client for `url`: without any proxy for a loopback host.
    fn client_for(&self, url: &str) -> Result<&ReqwestClient> {
        if !url::Url::parse(url).is_ok_and(|u| is_loopback(&u)) {
            return Ok(&self.client);
        }
        if let Some(direct) = self.direct.get() {
            return Ok(direct);
        }
        let direct = client_builder(self.tls.clone(), self.connect_timeout, self.timeout)
            .no_proxy()
            .build()
            .map_err(setup_failed)?;
        Ok(self.direct.get_or_init(|| direct))
    }

    /// Sends the request built by `request`, retrying network errors, timeouts, 5xx
    /// and 429 with exponential backoff and jitter (or `Retry-After`). The last
    /// answer is returned whatever its status; the caller interprets it.
    pub fn send(
        &self,
        url: &str,
        request: impl Fn(&ReqwestClient) -> RequestBuilder,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let outcome = self.send_once(url, &request);
            let retry_after = match &outcome {
                Ok((response, retry_after)) if response.is_transient() => {
                    retry_after.map(|d| d.min(RETRY_AFTER_MAX))
                }
                Ok(_) => return outcome.map(|(r, _)| r),
                Err(Error::Network { .. } | Error::Timeout { .. }) => None,
                Err(_) => return outcome.map(|(r, _)| r),
            };
            if attempt >= self.retries {
                return outcome.map(|(r, _)| r);
            }
            let wait = retry_after.unwrap_or_else(|| backoff(attempt));
            let reason = match &outcome {
                Ok((response, _)) => format!("HTTP {}", response.status),
                Err(error) => format!("[{}] {error}", error.code()),
            };
            event!(
                Warn,
                "{}: {reason}; retry {} of {} in {} ms",
                scrub_query(url),
                attempt + 1,
                self.retries,
                wait.as_millis()
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn send_once(
        &self,
        url: &str,
        request: &impl Fn(&ReqwestClient) -> RequestBuilder,
    ) -> Result<(Response, Option<Duration>)> {
        // Set on the request, the timeout bounds the body too; set on the client only,
        // it bounds each read, and a server that drips its body never times out.
        let response = request(self.client_for(url)?)
            .timeout(self.timeout)
            .send()
            .map_err(|e| self.classify(url, &e))?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let date = header(reqwest::header::DATE).and_then(|d| httpdate::parse_http_date(&d).ok());
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        let location = header(reqwest::header::LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let mut body = Vec::new();
        response
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| self.classify(url, &e))?;
        if body.len() as u64 > MAX_BODY_BYTES {
            return Err(Error::Http {
                url: url.to_owned(),
                status,
                excerpt: format!(
                    "body larger than {} KiB: this is not Salesforce",
                    MAX_BODY_BYTES / 1024
                ),
            });
        }
        let response = Response {
            url: url.to_owned(),
            status,
            date,
            location,
            content_type,
            body,
        };
        Ok((response, retry_after))
    }

    /// NETWORK, TIMEOUT or TLS, from the error's source chain.
    fn classify(&self, url: &str, error: &(dyn StdError + 'static)) -> Error {
        let url = url.to_owned();
        let chain =
            || std::iter::successors(Some(error), |e: &&(dyn StdError + 'static)| (*e).source());
        let reason = self.scrub(&innermost_message(error));
        if chain().any(is_timeout) {
            return Error::Timeout { url, reason };
        }
        if let Some(tls) = chain().find_map(rustls_error) {
            return Error::Tls {
                url,
                reason: self.scrub(&explain_tls(tls)),
            };
        }
        Error::Network { url, reason }
    }

    fn scrub(&self, text: &str) -> String {
        match &self.proxy_password {
            Some(p) if !p.is_empty() => text.replace(p.as_str(), "***"),
            _ => text.to_owned(),
        }
    }
}

/// A timeout, looking through nested `io::Error`s as [`rustls_error`] does: a body
/// read that hits the request's deadline fails with the reqwest timeout inside one.
fn is_timeout(error: &(dyn StdError + 'static)) -> bool {
    if let Some(e) = error.downcast_ref::<reqwest::Error>() {
        return e.is_timeout();
    }
    let Some(io) = error.downcast_ref::<std::io::Error>() else {
        return false;
    };
    io.kind() == std::io::ErrorKind::TimedOut || io.get_ref().is_some_and(|e| is_timeout(e))
}

/// `localhost` (and its subdomains), 127.0.0.0/8 and ::1.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn client_builder(
    tls: ClientConfig,
    connect_timeout: Duration,
    timeout: Duration,
) -> ClientBuilder {
    ReqwestClient::builder()
        .tls_backend_preconfigured(tls)
        .redirect(Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(concat!("sfjwt/", env!("CARGO_PKG_VERSION")))
}

fn setup_failed(error: reqwest::Error) -> Error {
    Error::Internal(format!("HTTP client setup failed: {error}"))
}

/// The rustls error inside `error`, looking through nested `io::Error`s (whose
/// `source()` skips the error they wrap).
fn rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_error(inner)
}

fn innermost_message(error: &(dyn StdError + 'static)) -> String {
    let mut last = error;
    while let Some(source) = last.source() {
        last = source;
    }
    last.to_string()
}

fn explain_tls(error: &rustls::Error) -> String {
    use rustls::{AlertDescription, CertificateError};
    match error {
        rustls::Error::InvalidCertificate(CertificateError::Expired) => {
            "the server's certificate has expired (or the local clock is wrong)".to_owned()
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => {
            "the server's certificate does not match the host name of login_url".to_owned()
        }
        rustls::Error::InvalidCertificate(reason) => format!(
            "the server's certificate is not signed by a trusted CA ({reason:?}); if a corporate \
             proxy inspects TLS, put its CA certificate in ca_file"
        ),
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::HandshakeFailure
            | AlertDescription::UnknownCA,
        ) => format!(
            "the server refused the handshake ({error}); with mutual TLS, check that the client \
             certificate is uploaded under Mutual Authentication Certificates"
        ),
        other => format!("TLS handshake failed ({other})"),
    }
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The URL without its query string, for the log: a query may carry a record's data.
fn scrub_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// `BACKOFF_BASE · 2^attempt`, capped, times a random factor in [0.5, 1).
fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE
        .saturating_mul(1 << attempt.min(16))
        .min(BACKOFF_MAX);
    let mut byte = [0u8; 1];
    // Without randomness the backoff is merely not jittered.
    let _ = SystemRandom::new().fill(&mut byte);
    full.mul_f64(0.5 + f64::from(byte[0]) / 512.0)
}

fn tls_config(config: &Config, identity: Option<&SigningKey>) -> Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(NATIVE_ROOTS.iter().cloned());
    if let Some(ca_file) = &config.ca_file {
        let certs: Vec<_> = CertificateDer::pem_file_iter(ca_file)
            .and_then(|iter| iter.collect::<std::result::Result<_, _>>())
            .map_err(|e| {
                Error::config(
                    "ca_file",
                    format!(
                        "cannot read PEM certificates from {}: {e}",
                        ca_file.display()
                    ),
                )
            })?;
        if certs.is_empty() {
            return Err(Error::config(
                "ca_file",
                format!("{} holds no certificate", ca_file.display()),
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| Error::config("ca_file", format!("unusable CA certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(key) => {
            let cert = key.certificate().ok_or_else(|| {
                Error::config(
                    "mutual_tls",
                    format!(
                        "entry '{}' has no certificate to present; set client_cert_path",
                        key.alias()
                    ),
                )
            })?;
            let chain = vec![CertificateDer::from(cert.der.clone())];
            let private_key =
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8_der().to_vec()));
            builder
                .with_client_auth_cert(chain, private_key)
                .map_err(|e| {
                    Error::config("mutual_tls", format!("unusable client certificate: {e}"))
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            assert!(d <= BACKOFF_MAX, "{d:?}");
            assert!(d >= BACKOFF_BASE / 2, "{d:?}");
        }
        assert!(backoff(3) >= Duration::from_secs(1));
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for url in [
            "http://localhost:8443",
            "https://LOCALHOST./x",
            "http://emulator.localhost",
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:8443",
        ] {
            assert!(is_loopback(&url::Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "https://login.salesforce.com",
            "https://localhost.evil.com",
            "http://10.0.0.1",
            "http://[::2]",
        ] {
            assert!(!is_loopback(&url::Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        assert!(parse_retry_after(&later).is_some_and(|d| d <= Duration::from_secs(5)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
