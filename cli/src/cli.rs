// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt` commands. Flags are the configuration keys in kebab case; passwords come
//! from `SFJWT_*_PASSWORD`, a `--*-password-file` or a prompt, never from a flag value.
//! The exit code of a failure is its error code's C value.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use sfjwt::{
    AssertionSigner, Claims, Client, Config, ConfigBuilder, ConnectionReport, EntryInfo, Error,
    ErrorCode, Keystore, KeystoreSource, Password,
};

#[derive(Parser)]
#[command(
    name = "sfjwt",
    version,
    about = "Salesforce OAuth 2.0 JWT Bearer login for ETL jobs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log more on stderr: -v logins, -vv their start, -vvv token cache hits and misses
    /// (default: warnings only: retries, failed logins, clock offset, certificate expiry).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// The log level on stderr; overrides -v.
    #[arg(long, value_enum, global = true, value_name = "LEVEL")]
    log_level: Option<crate::logging::LogLevel>,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect keystores.
    Keystore {
        #[command(subcommand)]
        command: KeystoreCommand,
    },
    /// Print a signed JWT assertion alone on stdout.
    Assertion(Settings),
    /// Log in and print the token response as JSON (the access token included).
    Token(Settings),
    /// Run the diagnostic connection test: load key, sign, token, identity, API versions.
    TestConnection(Settings),
    /// Run the Salesforce-compatible emulator until SIGTERM.
    Emulator(EmulatorFlags),
    /// Start the emulator in-process and run the full connection test against it.
    Demo,
    /// Print the one-time consumer approval URL (setup step 4) for the issuer and audience.
    AuthorizeUrl(Settings),
    /// Make a key, its certificate, a keystore, the External Client App's metadata and
    /// conn.properties, then print the steps that remain.
    Setup(crate::setup::SetupFlags),
}

#[derive(Subcommand)]
enum KeystoreCommand {
    /// List the entries: alias, kind, key, certificate subject, validity, fingerprints.
    Inspect(Settings),
}

/// The configuration flags shared by every command.
#[derive(Args)]
struct Settings {
    /// A .properties file with the configuration keys.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long)]
    json: bool,
    /// The app's consumer key (JWT iss): External Client App or connected app.
    #[arg(long)]
    issuer: Option<String>,
    /// Salesforce username (JWT sub).
    #[arg(long)]
    subject: Option<String>,
    /// JWT aud: https://login.salesforce.com, https://test.salesforce.com or a site URL
    /// (default: the My Domain with --my-domain, else login).
    #[arg(long)]
    audience: Option<String>,
    /// Assertion lifetime in seconds (1..=3600, default 180).
    #[arg(long)]
    expiration_secs: Option<String>,
    /// Keystore file (JKS, JCEKS, PKCS#12 or PEM).
    #[arg(long)]
    keystore_path: Option<String>,
    /// auto, jks, jceks, pkcs12 or pem.
    #[arg(long)]
    keystore_type: Option<String>,
    /// Entry to sign with (default: the only private key).
    #[arg(long)]
    key_alias: Option<String>,
    /// Base URL the token request goes to (GovCloud, a proxy's host); default: the My
    /// Domain, else the audience.
    #[arg(long)]
    login_url: Option<String>,
    /// The org's My Domain (acme.my.salesforce.com, as Setup > My Domain shows it): where
    /// the token request goes and, unless --audience is given, the first audience (login
    /// or test is tried once if Salesforce refuses it). External Client Apps need it.
    #[arg(long)]
    my_domain: Option<String>,
    /// Extra trusted root certificates (PEM), e.g. a corporate proxy's CA.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<String>,
    /// HTTP(S) proxy, http://host:port (default: HTTPS_PROXY/NO_PROXY). A proxy with a
    /// user and password goes in SFJWT_PROXY_URL or the --config file, never here.
    #[arg(long)]
    proxy_url: Option<String>,
    /// Present the client certificate in TLS (Mutual Authentication).
    #[arg(long)]
    mutual_tls: bool,
    /// Keystore holding the mTLS client certificate, if not the signing key's.
    #[arg(long, value_name = "FILE")]
    client_cert_path: Option<String>,
    /// Alias of the mTLS client certificate entry.
    #[arg(long)]
    client_cert_alias: Option<String>,
    /// Connect timeout in seconds (default 10).
    #[arg(long)]
    connect_timeout_secs: Option<String>,
    /// Request timeout in seconds (default 30).
    #[arg(long)]
    timeout_secs: Option<String>,
    /// Retries on network errors, 5xx and 429 (default 2).
    #[arg(long)]
    retries: Option<String>,
    /// REST API version for the connection test (default: the newest).
    #[arg(long)]
    api_version: Option<String>,
    /// Share tokens with every process of this user on the machine through this
    /// directory (created 0700; tokens encrypted with the signing key).
    #[arg(long, value_name = "DIR")]
    token_cache_dir: Option<String>,
    /// How long a token from --token-cache-dir is trusted before a new login, in seconds
    /// (default 900).
    #[arg(long)]
    token_ttl_secs: Option<String>,
    /// Read the mTLS client keystore password from this file (first line).
    #[arg(long, value_name = "FILE")]
    client_cert_password_file: Option<PathBuf>,
    /// Read the keystore password from this file (first line).
    #[arg(long, value_name = "FILE")]
    keystore_password_file: Option<PathBuf>,
    /// Read the key password from this file (first line).
    #[arg(long, value_name = "FILE")]
    key_password_file: Option<PathBuf>,
}

impl Settings {
    /// File, then environment, then flags ([`ConfigBuilder::from_sources`]), then the
    /// password files: the later source wins.
    fn builder(&self) -> Result<ConfigBuilder, Error> {
        refuse_proxy_credentials(self.proxy_url.as_deref())?;
        let flags = [
            ("issuer", &self.issuer),
            ("subject", &self.subject),
            ("audience", &self.audience),
            ("expiration_secs", &self.expiration_secs),
            ("keystore_path", &self.keystore_path),
            ("keystore_type", &self.keystore_type),
            ("key_alias", &self.key_alias),
            ("login_url", &self.login_url),
            ("my_domain", &self.my_domain),
            ("ca_file", &self.ca_file),
            ("proxy_url", &self.proxy_url),
            ("client_cert_path", &self.client_cert_path),
            ("client_cert_alias", &self.client_cert_alias),
            ("connect_timeout_secs", &self.connect_timeout_secs),
            ("timeout_secs", &self.timeout_secs),
            ("retries", &self.retries),
            ("api_version", &self.api_version),
            ("token_cache_dir", &self.token_cache_dir),
            ("token_ttl_secs", &self.token_ttl_secs),
        ];
        let flags = flags
            .into_iter()
            .filter_map(|(key, value)| Some((key, value.as_deref()?)))
            .chain(self.mutual_tls.then_some(("mutual_tls", "true")));
        let mut builder = ConfigBuilder::from_sources(
            self.config.as_deref(),
            |name| std::env::var(name).ok(),
            flags,
        )?;
        for (key, file) in [
            ("keystore_password", &self.keystore_password_file),
            ("key_password", &self.key_password_file),
            ("client_cert_password", &self.client_cert_password_file),
        ] {
            if let Some(file) = file {
                builder.set_from_file(key, file)?;
            }
        }
        Ok(builder)
    }
}

/// A flag value is seen by anyone on the machine (`ps`) and kept in shell history, so a
/// proxy password is not taken from one. The message does not repeat the URL.
fn refuse_proxy_credentials(proxy_url: Option<&str>) -> Result<(), Error> {
    let has_credentials = proxy_url
        .and_then(|text| url::Url::parse(text).ok())
        .is_some_and(|url| !url.username().is_empty() || url.password().is_some());
    if has_credentials {
        return Err(Error::config(
            "proxy_url",
            "a proxy user and password are not taken from --proxy-url (ps and shell history \
             show flag values): set SFJWT_PROXY_URL, or proxy_url in the --config file",
        ));
    }
    Ok(())
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::install(cli.log_level, cli.verbose);
    let (json, result) = match &cli.command {
        Command::Keystore {
            command: KeystoreCommand::Inspect(settings),
        } => (settings.json, inspect(settings)),
        Command::Assertion(settings) => (settings.json, assertion(settings)),
        Command::Token(settings) => (settings.json, token(settings)),
        Command::TestConnection(settings) => (settings.json, test_connection(settings)),
        Command::AuthorizeUrl(settings) => (settings.json, authorize_url(settings)),
        Command::Emulator(flags) => (false, emulator(flags)),
        Command::Demo => (false, demo()),
        Command::Setup(flags) => (flags.json, crate::setup::run(flags)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            report_error(&error, json);
            ExitCode::from(exit_code(error.code()))
        }
    }
}

fn exit_code(code: ErrorCode) -> u8 {
    u8::try_from(code.value()).unwrap_or(u8::MAX)
}

fn report_error(error: &Error, json: bool) {
    if json {
        outln!("{}", json!({"ok": false, "error": error.to_json()}));
    } else {
        eprintln!("error [{}]: {error}", error.code());
        if let Some(rejection) = error.rejection() {
            eprintln!("how to fix: {}", rejection.hint);
        }
    }
}

/// Asks for the store password on a terminal when no source gave one.
fn prompt_for_missing_password(builder: &mut ConfigBuilder) -> Result<(), Error> {
    let settings = builder.build_keystore()?;
    if settings.store_password.expose().is_empty() && std::io::stdin().is_terminal() {
        let password = prompt(&format!(
            "Keystore password for {}: ",
            settings.source.name()
        ))?;
        builder.set("keystore_password", password.expose())?;
    }
    Ok(())
}

fn open_keystore(builder: &mut ConfigBuilder) -> Result<(Keystore, KeystoreSource), Error> {
    prompt_for_missing_password(builder)?;
    let settings = builder.build_keystore()?;
    Ok((settings.open()?, settings.source))
}

fn prompt(text: &str) -> Result<Password, Error> {
    rpassword::prompt_password(text)
        .map(Password::new)
        .map_err(|e| Error::Config {
            key: "keystore_password".to_owned(),
            reason: format!("cannot read the password from the terminal: {e}"),
        })
}

type Outcome = Result<u8, Error>;

fn inspect(settings: &Settings) -> Outcome {
    let mut builder = settings.builder()?;
    let (keystore, source) = open_keystore(&mut builder)?;
    let entries = keystore.inspect();
    if settings.json {
        let body = json!({"format": keystore.format(), "entries": entries});
        outln!("{body}");
        return Ok(0);
    }
    let name = match &source {
        KeystoreSource::File(path) => path.display().to_string(),
        KeystoreSource::Data(data) => format!("from {}", data.origin()),
    };
    outln!(
        "Keystore {name} ({}), {} entr{}",
        keystore.format(),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" }
    );
    for entry in &entries {
        print_entry(entry);
    }
    Ok(0)
}

fn print_entry(entry: &EntryInfo) {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let key = match (&entry.key_algorithm, entry.key_bits) {
        (Some(alg), Some(bits)) => format!("{alg} {bits} bits"),
        (Some(alg), None) => alg.clone(),
        (None, _) => "(encrypted, no certificate)".to_owned(),
    };
    outln!();
    outln!("  Alias:      {}", entry.alias);
    outln!("  Kind:       {}", entry.kind.name().replace('_', " "));
    outln!("  Key:        {key}");
    outln!("  Subject:    {}", or_dash(&entry.subject));
    outln!("  Issuer:     {}", or_dash(&entry.issuer));
    outln!("  Valid from: {}", or_dash(&entry.not_before));
    outln!("  Valid to:   {}", or_dash(&entry.not_after));
    outln!("  SHA-1:      {}", or_dash(&entry.sha1));
    outln!("  SHA-256:    {}", or_dash(&entry.sha256));
}

fn assertion(settings: &Settings) -> Outcome {
    let mut builder = settings.builder()?;
    let config = builder.build()?;
    let (keystore, _) = open_keystore(&mut builder)?;
    let key_settings = builder.build_keystore()?;
    let alias = key_settings.key_alias.as_deref();
    let key = match keystore.signing_key(alias, key_settings.key_password.expose()) {
        Err(Error::KeyPassword { path, .. }) if std::io::stdin().is_terminal() => {
            let password = prompt(&format!("Key password for {path}: "))?;
            keystore.signing_key(alias, password.expose())?
        }
        other => other?,
    };
    let signer = AssertionSigner::new(key);
    let assertion = signer.sign(&Claims::for_config(&config, SystemTime::now())?)?;
    if settings.json {
        let body = json!({
            "assertion": assertion.as_str(),
            "expires_at": assertion.expires_at(),
            "key_alias": signer.key().alias(),
        });
        outln!("{body}");
    } else {
        outln!("{}", assertion.as_str());
    }
    Ok(0)
}

/// The configuration, with a prompted password when needed.
fn config(settings: &Settings) -> Result<Config, Error> {
    let mut builder = settings.builder()?;
    prompt_for_missing_password(&mut builder)?;
    builder.build()
}

fn token(settings: &Settings) -> Outcome {
    let client = Client::new(config(settings)?)?;
    let token = client.token()?;
    let body = json!({
        "access_token": token.access_token(),
        "instance_url": token.instance_url(),
        "id": token.id(),
        "token_type": token.token_type(),
        "scope": token.scope(),
        "issued_at": token.issued_at(),
    });
    outln!(
        "{}",
        if settings.json {
            body.to_string()
        } else {
            pretty(&body)
        }
    );
    Ok(0)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn test_connection(settings: &Settings) -> Outcome {
    let report = sfjwt::connection_test::run(&config(settings)?);
    print_report(&report, settings.json);
    Ok(report_exit_code(&report))
}

fn print_report(report: &ConnectionReport, json: bool) {
    if json {
        outln!("{}", report.to_json());
    } else {
        out!("{report}");
    }
}

fn report_exit_code(report: &ConnectionReport) -> u8 {
    report.error.as_ref().map_or(0, |e| exit_code(e.code()))
}

/// When the approval URL is needed at all: the URL goes to stdout (for `$(...)`), this
/// to stderr.
const AUTHORIZE_URL_NOTE: &str = "Open it once as the user and allow access only for a \
    connected app, or an External Client App whose Policies let all users self-authorize. \
    An External Client App with \"Admin approved users are pre-authorized\" (what `sfjwt \
    setup` writes) needs no approval: assign the user a permission set selected in its \
    Policies instead.";

fn authorize_url(settings: &Settings) -> Outcome {
    let url = settings.builder()?.authorize_url()?;
    if settings.json {
        outln!(
            "{}",
            json!({ "authorize_url": url, "note": AUTHORIZE_URL_NOTE })
        );
    } else {
        outln!("{url}");
        eprintln!("{AUTHORIZE_URL_NOTE}");
    }
    Ok(0)
}

/// `sfjwt emulator` flags.
#[derive(Args)]
struct EmulatorFlags {
    /// JSON file of the org: My Domain, apps, users, faults.
    #[arg(long, value_name = "FILE", required_unless_present = "app_metadata")]
    config: Option<PathBuf>,
    /// Salesforce DX source folder whose External Client Apps the org holds (as
    /// `sfjwt setup` writes it); repeatable.
    #[arg(long, value_name = "DIR")]
    app_metadata: Vec<PathBuf>,
    /// An active user holding every permission set of --app-metadata; repeatable.
    #[arg(long = "user", value_name = "USERNAME")]
    users: Vec<String>,
    /// The org's My Domain host name (default: the config's, else localhost).
    #[arg(long, value_name = "HOST")]
    my_domain: Option<String>,
    /// HTTPS port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write the bound port here once listening.
    #[arg(long, value_name = "FILE")]
    port_file: Option<PathBuf>,
    /// Write the emulator's CA certificate (PEM) here, for clients' ca_file.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Also listen for mutual TLS on this port; 0 picks a free one.
    #[arg(long)]
    mtls_port: Option<u16>,
    /// Write the bound mutual-TLS port here.
    #[arg(long, value_name = "FILE")]
    mtls_port_file: Option<PathBuf>,
    /// Append the request log here as JSON lines.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

fn emulator(flags: &EmulatorFlags) -> Outcome {
    sfjwt_emulator::run_cli(sfjwt_emulator::EmulatorArgs {
        config: flags.config.clone(),
        app_metadata: flags.app_metadata.clone(),
        users: flags.users.clone(),
        my_domain: flags.my_domain.clone(),
        port: flags.port,
        port_file: flags.port_file.clone(),
        ca_out: flags.ca_out.clone(),
        mtls_port: flags.mtls_port,
        mtls_port_file: flags.mtls_port_file.clone(),
        log: flags.log.clone(),
    })?;
    Ok(0)
}

fn demo() -> Outcome {
    let report = crate::demo::run()?;
    Ok(report_exit_code(&report))
}
