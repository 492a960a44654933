// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt demo`: the whole JWT Bearer flow, offline, as a new integration is set up
//! since Spring '26. It starts the emulator in-process with an External Client App
//! holding the demo certificate, then runs the connection test with only the org's My
//! Domain and the demo keystore (a JKS made by keytool, committed under `cli/demo/`)
//! exactly as an ETL job would, and shows the token cache at work.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sfjwt::{Client, Config, ConnectionReport, Error};
use sfjwt_emulator::{Emulator, EmulatorConfig, StartOptions};

const DEMO_KEYSTORE: &[u8] = include_bytes!("../demo/sfjwt-demo.jks");
const DEMO_CERTIFICATE: &[u8] = include_bytes!("../demo/sfjwt-demo.crt");
const DEMO_PASSWORD: &str = "sfjwt-demo";
const DEMO_ALIAS: &str = "sfjwt_demo";
const DEMO_ISSUER: &str = "3MVG9sfjwtDemoConsumerKey";
const DEMO_SUBJECT: &str = "etl@demo.sfjwt.dev";
/// The permission set the External Client App's policy admits (admin approved users).
const DEMO_PERMISSION_SET: &str = "sfjwt_integration";
/// Threads asking for a token at once, to show that they share one login.
const CACHE_DEMO_THREADS: usize = 8;

/// Runs the demo; the report is printed and returned.
pub fn run() -> Result<ConnectionReport, Error> {
    let dir = DemoDir::create()?;
    let keystore = dir.write("sfjwt-demo.jks", DEMO_KEYSTORE)?;
    dir.write("sfjwt-demo.crt", DEMO_CERTIFICATE)?;
    let emulator_config = dir.write(
        "emulator.json",
        serde_json::json!({
            "external_client_apps": [{
                "consumer_key": DEMO_ISSUER,
                "certificate_file": "sfjwt-demo.crt",
                "permitted_users": "admin_approved",
                "permission_sets": [DEMO_PERMISSION_SET],
            }],
            "users": [{"username": DEMO_SUBJECT, "permission_sets": [DEMO_PERMISSION_SET]}],
        })
        .to_string()
        .as_bytes(),
    )?;

    let emulator = Emulator::start(
        EmulatorConfig::from_file(&emulator_config)?,
        StartOptions::default(),
    )?;
    let ca_file = dir.write("emulator-ca.pem", emulator.ca_pem().as_bytes())?;

    let mut builder = Config::builder();
    for (key, value) in [
        ("issuer", DEMO_ISSUER),
        ("subject", DEMO_SUBJECT),
        ("my_domain", emulator.my_domain_url().as_str()),
        ("keystore_path", &keystore.display().to_string()),
        ("keystore_password", DEMO_PASSWORD),
        ("key_alias", DEMO_ALIAS),
        ("ca_file", &ca_file.display().to_string()),
    ] {
        builder.set(key, value)?;
    }
    let config = builder.build()?;

    outln!("sfjwt demo: the OAuth 2.0 JWT Bearer flow against the built-in Salesforce emulator");
    outln!(
        "  my domain  {} (the emulator's org; its CA: {})",
        emulator.my_domain_url(),
        ca_file.display()
    );
    outln!(
        "  app        External Client App, JWT Bearer Flow, admin approved users \
         (permission set {DEMO_PERMISSION_SET})"
    );
    outln!(
        "  keystore   {} (JKS made by keytool), alias {DEMO_ALIAS}",
        keystore.display()
    );
    outln!("  issuer     {DEMO_ISSUER}");
    outln!("  subject    {DEMO_SUBJECT}");
    outln!("  audience   {}", config.audience);
    outln!();

    let client = Arc::new(Client::new(config)?);
    let report = client.test_connection();
    out!("{report}");
    if report.ok {
        let logins_before = emulator.login_count();
        let threads: Vec<_> = (0..CACHE_DEMO_THREADS)
            .map(|_| {
                let client = Arc::clone(&client);
                std::thread::spawn(move || client.token().map(|_| ()))
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .map_err(|_| Error::Internal("a token thread panicked".to_owned()))??;
        }
        outln!(
            "Token cache: {CACHE_DEMO_THREADS} threads asked for a token at once -> {} login(s) at the emulator",
            emulator.login_count() - logins_before
        );
        query_accounts(&client)?;
    }
    emulator.shutdown();
    Ok(report)
}

/// What a job does with the token: a SOQL query through the REST API, printed.
fn query_accounts(client: &Client) -> Result<(), Error> {
    let soql = "SELECT Name, Industry, BillingCity FROM Account ORDER BY Name";
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    let answer = client.get_json(&format!("/services/data/v62.0/query?q={encoded}"))?;
    let records = answer["records"].as_array().cloned().unwrap_or_default();
    outln!();
    outln!("REST query: {soql} -> {} records", records.len());
    for record in &records {
        let field = |name: &str| record[name].as_str().unwrap_or("").to_owned();
        outln!(
            "  {:<20} {:<16} {}",
            field("Name"),
            field("Industry"),
            field("BillingCity")
        );
    }
    Ok(())
}

/// A private temporary directory, removed on drop.
struct DemoDir(PathBuf);

impl DemoDir {
    fn create() -> Result<DemoDir, Error> {
        let path = std::env::temp_dir().join(format!("sfjwt-demo-{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| io_error(&path, e))?;
        Ok(DemoDir(path))
    }

    /// Writes a file only its owner can read, as a keystore should be (the connection
    /// test warns of one that others can read).
    fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
        use std::io::Write;
        let path = self.0.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(|e| io_error(&path, e))?;
        Ok(path)
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::Internal(format!("cannot write {}: {error}", path.display()))
}
