// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt` commands. Flags are the configuration keys in kebab case; passwords come
//! from `SFJWT_*_PASSWORD`, a `--*-password-file` or a prompt, never from a flag value.
//! The exit code of a failure is its error code's C value.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use sfjwt::{
    AssertionSigner, Claims, ConfigBuilder, EntryInfo, Error, ErrorCode, Keystore, Password,
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
    /// Connected app consumer key (JWT iss).
    #[arg(long)]
    issuer: Option<String>,
    /// Salesforce username (JWT sub).
    #[arg(long)]
    subject: Option<String>,
    /// JWT aud: https://login.salesforce.com, https://test.salesforce.com or a site URL.
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
    /// Read the keystore password from this file (first line).
    #[arg(long, value_name = "FILE")]
    keystore_password_file: Option<PathBuf>,
    /// Read the key password from this file (first line).
    #[arg(long, value_name = "FILE")]
    key_password_file: Option<PathBuf>,
}

impl Settings {
    /// File, then environment, then flags: the later source wins.
    fn builder(&self) -> Result<ConfigBuilder, Error> {
        let mut builder = match &self.config {
            Some(path) => ConfigBuilder::from_properties_file(path)?,
            None => ConfigBuilder::default(),
        };
        builder.apply_env()?;
        let flags = [
            ("issuer", &self.issuer),
            ("subject", &self.subject),
            ("audience", &self.audience),
            ("expiration_secs", &self.expiration_secs),
            ("keystore_path", &self.keystore_path),
            ("keystore_type", &self.keystore_type),
            ("key_alias", &self.key_alias),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                builder.set(key, value)?;
            }
        }
        for (key, file) in [
            ("keystore_password", &self.keystore_password_file),
            ("key_password", &self.key_password_file),
        ] {
            if let Some(file) = file {
                builder.set(key, &read_password_file(key, file)?)?;
            }
        }
        Ok(builder)
    }
}

fn read_password_file(key: &str, path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
        key: key.to_owned(),
        reason: format!("cannot read password file {}: {e}", path.display()),
    })?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let (json, result) = match &cli.command {
        Command::Keystore {
            command: KeystoreCommand::Inspect(settings),
        } => (settings.json, inspect(settings)),
        Command::Assertion(settings) => (settings.json, assertion(settings)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
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
        let body = json!({"error": {"code": error.code().name(), "message": error.to_string()}});
        println!("{body}");
    } else {
        eprintln!("error [{}]: {error}", error.code());
    }
}

/// The keystore, prompting for the store password on a terminal when none was given.
fn open_keystore(builder: &mut ConfigBuilder) -> Result<Keystore, Error> {
    let settings = builder.build_keystore()?;
    let needs_prompt = builder_lacks_password(builder) && std::io::stdin().is_terminal();
    if needs_prompt {
        let password = prompt(&format!(
            "Keystore password for {}: ",
            settings.path.display()
        ))?;
        builder.set("keystore_password", password.expose())?;
        return builder.build_keystore()?.open();
    }
    settings.open()
}

fn builder_lacks_password(builder: &ConfigBuilder) -> bool {
    builder
        .build_keystore()
        .is_ok_and(|s| s.store_password.expose().is_empty())
}

fn prompt(text: &str) -> Result<Password, Error> {
    rpassword::prompt_password(text)
        .map(Password::new)
        .map_err(|e| Error::Config {
            key: "keystore_password".to_owned(),
            reason: format!("cannot read the password from the terminal: {e}"),
        })
}

fn inspect(settings: &Settings) -> Result<(), Error> {
    let mut builder = settings.builder()?;
    let keystore = open_keystore(&mut builder)?;
    let entries = keystore.inspect();
    if settings.json {
        let body = json!({"format": keystore.format(), "entries": entries});
        println!("{body}");
        return Ok(());
    }
    println!(
        "Keystore {} ({}), {} entr{}",
        keystore.path().display(),
        keystore.format(),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" }
    );
    for entry in &entries {
        print_entry(entry);
    }
    Ok(())
}

fn print_entry(entry: &EntryInfo) {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let key = match (&entry.key_algorithm, entry.key_bits) {
        (Some(alg), Some(bits)) => format!("{alg} {bits} bits"),
        (Some(alg), None) => alg.clone(),
        (None, _) => "(encrypted, no certificate)".to_owned(),
    };
    println!();
    println!("  Alias:      {}", entry.alias);
    println!("  Kind:       {}", entry.kind.name().replace('_', " "));
    println!("  Key:        {key}");
    println!("  Subject:    {}", or_dash(&entry.subject));
    println!("  Issuer:     {}", or_dash(&entry.issuer));
    println!("  Valid from: {}", or_dash(&entry.not_before));
    println!("  Valid to:   {}", or_dash(&entry.not_after));
    println!("  SHA-1:      {}", or_dash(&entry.sha1));
    println!("  SHA-256:    {}", or_dash(&entry.sha256));
}

fn assertion(settings: &Settings) -> Result<(), Error> {
    let mut builder = settings.builder()?;
    let config = builder.build()?;
    let keystore = open_keystore(&mut builder)?;
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
        println!("{body}");
    } else {
        println!("{}", assertion.as_str());
    }
    Ok(())
}
