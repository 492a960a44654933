// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `proxy_url`: requests tunnel through an HTTP CONNECT proxy, with credentials; loopback
//! targets never do. The emulator listens on loopback, so the proxied tests log in at
//! its [`PROXIED_HOST`] name, which only the test proxy knows how to reach.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use sfjwt::{Client, ErrorCode};
use sfjwt_emulator::PROXIED_HOST;
use support::*;

/// A CONNECT proxy on loopback that records each request's first line and its
/// `Proxy-Authorization`, and refuses with 407 when `required_auth` is not sent.
struct ConnectProxy {
    port: u16,
    seen: Arc<Seen>,
}

/// Each request's first line and `Proxy-Authorization`.
type Seen = Mutex<Vec<(String, Option<String>)>>;

impl ConnectProxy {
    fn start(required_auth: Option<&'static str>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Seen> = Arc::default();
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(client, required_auth, &log));
            }
        });
        ConnectProxy { port, seen }
    }

    fn url(&self, credentials: &str) -> String {
        format!("http://{credentials}127.0.0.1:{}", self.port)
    }
}

fn serve(mut client: TcpStream, required_auth: Option<&str>, log: &Seen) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let mut auth = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("proxy-authorization")
        {
            auth = Some(value.trim().to_owned());
        }
    }
    log.lock()
        .unwrap()
        .push((first.trim().to_owned(), auth.clone()));
    if required_auth.is_some() && auth.as_deref() != required_auth {
        let _ = client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let target = first.split_whitespace().nth(1).unwrap().to_owned();
    let target = match target.split_once(':') {
        Some((PROXIED_HOST, port)) => format!("127.0.0.1:{port}"),
        _ => target,
    };
    let upstream = TcpStream::connect(target).unwrap();
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    let (mut up_read, mut up_write) = (upstream.try_clone().unwrap(), upstream);
    let mut client_write = client.try_clone().unwrap();
    let pump = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_read, &mut client_write);
    });
    let _ = std::io::copy(&mut reader, &mut up_write);
    let _ = up_write.shutdown(std::net::Shutdown::Write);
    let _ = pump.join();
}

/// The emulator's login URL by the name that is not loopback.
fn proxied_login_url(org: &Org) -> String {
    format!("https://{PROXIED_HOST}:{}", org.emulator.port())
}

#[test]
fn requests_go_through_the_proxy() {
    let org = start(default_org_config());
    let proxy = ConnectProxy::start(None);
    let b = with(
        org.builder(),
        &[
            ("proxy_url", &proxy.url("")),
            ("login_url", &proxied_login_url(&org)),
        ],
    );
    let client = Client::new(b.build().unwrap()).unwrap();
    let report = client.test_connection();
    assert!(report.ok, "{report}");
    let seen = proxy.seen.lock().unwrap().clone();
    let authority = format!("{PROXIED_HOST}:{}", org.emulator.port());
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|(line, _)| line == &format!("CONNECT {authority} HTTP/1.1")),
        "{seen:?}"
    );
}

#[test]
fn proxy_credentials_are_sent_and_never_shown() {
    let org = start(default_org_config());
    // "proxyuser:Pr0xy-Secret" in Basic form.
    let proxy = ConnectProxy::start(Some("Basic cHJveHl1c2VyOlByMHh5LVNlY3JldA=="));
    let b = with(
        org.builder(),
        &[
            ("proxy_url", &proxy.url("proxyuser:Pr0xy-Secret@")),
            ("login_url", &proxied_login_url(&org)),
        ],
    );
    let client = Client::new(b.build().unwrap()).unwrap();
    client.token().expect("authenticated through the proxy");
    assert!(
        proxy
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|(_, auth)| auth.is_some())
    );

    let wrong = with(
        org.builder(),
        &[
            ("proxy_url", &proxy.url("proxyuser:Wr0ng-Secret@")),
            ("login_url", &proxied_login_url(&org)),
            ("token_cache", "false"),
        ],
    );
    let err = Client::new(wrong.build().unwrap())
        .unwrap()
        .token()
        .unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Network | ErrorCode::Http),
        "{err}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("Wr0ng-Secret"), "{text}");
}

/// A proxy would see the assertion and the token, and over http in clear text: loopback
/// targets (the emulator, a local test server) go direct, whatever proxy is set.
#[test]
fn loopback_targets_are_never_proxied() {
    let org = start(default_org_config());
    let proxy = ConnectProxy::start(None);
    let b = with(org.builder(), &[("proxy_url", &proxy.url(""))]);
    let client = Client::new(b.build().unwrap()).unwrap();
    let report = client.test_connection();
    assert!(report.ok, "{report}");
    client.token().expect("a token, straight from the emulator");
    assert_eq!(*proxy.seen.lock().unwrap(), vec![], "the proxy saw nothing");
}
