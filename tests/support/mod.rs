// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! An emulated org per test, over real HTTPS on loopback, and configurations that
//! point at it.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sfjwt::ConfigBuilder;
use sfjwt_emulator::{
    ConnectedApp, Emulator, EmulatorConfig, ExternalClientApp, StartOptions, User,
};

pub const ISSUER: &str = "3MVG9testConsumerKey";
/// An External Client App of the default org, with the same certificate as ISSUER's
/// connected app, open to every approved user.
pub const ECA_ISSUER: &str = "3MVG9testExternalClientApp";
pub const USER: &str = "etl@example.com";
pub const STORE_PASSWORD: &str = "changeit1";

/// `tests/fixtures/<name>` of the workspace (this module is shared by the core's and the
/// CLI's tests, whose manifests sit at different depths).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests/fixtures"))
        .find(|dir| dir.is_dir())
        .expect("tests/fixtures in the workspace")
        .join(name)
}

/// The PEM certificate of a fixture entry (`certs/<stem>.<alias>.crt`).
pub fn certificate(stem_and_alias: &str) -> String {
    std::fs::read_to_string(fixture(&format!("certs/{stem_and_alias}.crt")))
        .expect("fixture certificate")
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("sfjwt-test-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running emulator and its CA file.
pub struct Org {
    pub emulator: Emulator,
    pub ca_file: PathBuf,
    pub dir: TempDir,
}

/// An org with a connected app (ISSUER) and an External Client App (ECA_ISSUER) holding
/// `jks-same.jks`'s certificate, and users: USER (approved), `new@example.com` (not
/// approved), `gone@example.com` (inactive), `far@example.com` (IP restricted).
pub fn default_org_config() -> EmulatorConfig {
    let pem = certificate("jks-same.talend_certificate");
    EmulatorConfig {
        apps: vec![ConnectedApp::new(ISSUER, pem.clone())],
        external_client_apps: vec![ExternalClientApp::new(ECA_ISSUER, pem)],
        users: vec![
            User::new(USER),
            User {
                approved: false,
                ..User::new("new@example.com")
            },
            User {
                active: false,
                ..User::new("gone@example.com")
            },
            User {
                ip_restricted: true,
                ..User::new("far@example.com")
            },
        ],
        ..EmulatorConfig::default()
    }
}

pub fn start(config: EmulatorConfig) -> Org {
    start_with(config, StartOptions::default())
}

pub fn start_with(config: EmulatorConfig, options: StartOptions) -> Org {
    let emulator = Emulator::start(config, options).expect("emulator starts");
    let dir = TempDir::new("org");
    let ca_file = dir.write("ca.pem", emulator.ca_pem());
    Org {
        emulator,
        ca_file,
        dir,
    }
}

impl Org {
    /// Settings for USER with `jks-same.jks`, pointing at this org; short timeouts and
    /// no retries unless a test sets them.
    pub fn builder(&self) -> ConfigBuilder {
        self.builder_for("jks-same.jks", STORE_PASSWORD)
    }

    pub fn builder_for(&self, keystore: &str, password: &str) -> ConfigBuilder {
        let mut b = ConfigBuilder::default();
        for (key, value) in [
            ("issuer", ISSUER),
            ("subject", USER),
            ("login_url", &self.emulator.base_url()),
            ("keystore_path", &fixture(keystore).display().to_string()),
            ("keystore_password", password),
            ("ca_file", &self.ca_file.display().to_string()),
            ("retries", "0"),
            ("timeout_secs", "10"),
        ] {
            b.set(key, value).expect("valid setting");
        }
        b
    }

    pub fn log_text(&self) -> String {
        self.emulator
            .log()
            .iter()
            .map(|e| serde_json::to_string(e).expect("log entry serializes"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Sets `key=value` on a builder, for chaining in tests.
pub fn with(mut builder: ConfigBuilder, pairs: &[(&str, &str)]) -> ConfigBuilder {
    for (key, value) in pairs {
        builder.set(key, value).expect("valid setting");
    }
    builder
}
