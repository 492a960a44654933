// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt setup`: from nothing to what a connection test needs. Makes an RSA key and
//! its self-signed certificate, writes them as a keystore that Java 8u60+, keytool,
//! openssl and sfjwt read, writes the `.crt` to upload, the External Client App as
//! Salesforce DX metadata and a `conn.properties`, then prints the steps that remain.
//!
//! Every file is checked before the first one is written: an existing file is kept
//! unless `--force` is given. The keystore password comes from SFJWT_KEYSTORE_PASSWORD,
//! `--keystore-password-file` or a prompt (asked twice), never from a flag value, and is
//! never printed.

mod keys;
mod metadata;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use sfjwt::{EntryInfo, Error, Password};
use zeroize::Zeroizing;

use keys::{CertificateRequest, Identity, MAX_CERTIFICATE_BYTES, StoreType};

/// The app's API name when `--name` is not given.
const DEFAULT_NAME: &str = "sfjwt_integration";
/// The environment variable of the keystore password (the configuration key's).
const PASSWORD_VARIABLE: &str = "SFJWT_KEYSTORE_PASSWORD";

/// `sfjwt setup` flags.
#[derive(Args)]
pub struct SetupFlags {
    /// Directory for every file (created if missing).
    #[arg(long, value_name = "DIR", default_value = "sfjwt-setup")]
    out: PathBuf,
    /// The Salesforce username the job logs in as (JWT sub).
    #[arg(long)]
    subject: Option<String>,
    /// The org's My Domain (acme.my.salesforce.com); written into conn.properties.
    #[arg(long)]
    my_domain: Option<String>,
    /// The External Client App's API name (letters, digits, underscores), also the
    /// permission set's.
    #[arg(long, default_value = DEFAULT_NAME)]
    name: String,
    /// The app's label (default: from the name).
    #[arg(long)]
    label: Option<String>,
    /// The app's contact email (default: the subject).
    #[arg(long)]
    contact_email: Option<String>,
    /// RSA key size: 2048, 3072 or 4096.
    #[arg(long, value_name = "BITS", default_value = "2048")]
    key_size: String,
    /// The certificate's common name (default: the app name).
    #[arg(long)]
    cn: Option<String>,
    /// Days the certificate is valid (1..=3650).
    #[arg(long, value_name = "DAYS", default_value = "730")]
    validity_days: String,
    /// pkcs12 (read by Java 8u60+, keytool, openssl, sfjwt) or pem.
    #[arg(long, default_value = "pkcs12")]
    keystore_type: String,
    /// The keystore entry's alias (default: the app name in lower case).
    #[arg(long)]
    key_alias: Option<String>,
    /// Read the new keystore's password from this file (first line).
    #[arg(long, value_name = "FILE")]
    keystore_password_file: Option<PathBuf>,
    /// Overwrite files left by an earlier run.
    #[arg(long)]
    force: bool,
    /// Machine-readable JSON output.
    #[arg(long)]
    pub json: bool,
}

/// The checked settings.
struct Plan {
    out: PathBuf,
    name: String,
    label: String,
    subject: String,
    contact_email: String,
    my_domain: Option<String>,
    key_bits: u32,
    common_name: String,
    validity_days: u32,
    store: StoreType,
    alias: String,
}

impl SetupFlags {
    fn plan(&self) -> Result<Plan, Error> {
        let name = check_api_name(&self.name)?;
        let subject = match self.subject.as_deref().map(str::trim) {
            Some(subject) if !subject.is_empty() => check_username("subject", subject)?,
            _ => {
                return Err(Error::config(
                    "subject",
                    "missing; set --subject to the Salesforce username the job logs in as",
                ));
            }
        };
        let contact_email = match self.contact_email.as_deref() {
            Some(email) => check_username("contact_email", email.trim())?,
            None => subject.clone(),
        };
        let label = match self.label.as_deref() {
            Some(label) => check_text("label", label, 80)?,
            None if name == DEFAULT_NAME => "sfjwt integration".to_owned(),
            None => name.replace('_', " "),
        };
        let common_name = match self.cn.as_deref() {
            Some(cn) => check_text("cn", cn, 64)?,
            None => name.clone(),
        };
        let alias = match self.key_alias.as_deref() {
            Some(alias) => check_alias(alias)?,
            None => name.to_lowercase(),
        };
        Ok(Plan {
            out: absolute(&self.out)?,
            name,
            label,
            subject,
            contact_email,
            // Checked by the rule a login applies; written as the user gave it.
            my_domain: self
                .my_domain
                .as_deref()
                .map(|text| {
                    sfjwt::config::my_domain_origin(text)
                        .map(|_| text.trim().trim_end_matches('/').to_owned())
                })
                .transpose()?,
            key_bits: check_key_size(&self.key_size)?,
            common_name,
            validity_days: check_validity(&self.validity_days)?,
            store: StoreType::parse(&self.keystore_type)?,
            alias,
        })
    }
}

/// `sfjwt setup`.
pub fn run(flags: &SetupFlags) -> Result<u8, Error> {
    let plan = flags.plan()?;
    let keystore_name = format!("{}.{}", plan.alias, plan.store.extension());
    let certificate_name = format!("{}.crt", plan.alias);
    let keystore_path = plan.out.join(&keystore_name);
    let certificate_path = plan.out.join(&certificate_name);
    let properties_path = plan.out.join("conn.properties");

    // The paths are known before the key exists: refuse before asking for a password.
    let placeholder = metadata::project(&metadata::App {
        name: &plan.name,
        label: &plan.label,
        contact_email: &plan.contact_email,
        certificate_pem: "",
    });
    let mut paths = vec![
        keystore_path.clone(),
        certificate_path.clone(),
        properties_path.clone(),
    ];
    paths.extend(placeholder.iter().map(|f| plan.out.join(&f.path)));
    if !flags.force {
        refuse_existing(&paths)?;
    }

    let password = keystore_password(flags.keystore_password_file.as_deref())?;
    let identity = Identity::generate(&CertificateRequest {
        key_bits: plan.key_bits,
        common_name: &plan.common_name,
        validity_days: plan.validity_days,
    })?;
    if identity.certificate_pem.len() > MAX_CERTIFICATE_BYTES {
        return Err(Error::config(
            "cn",
            format!(
                "the certificate would be {} bytes; Salesforce takes certificate files of at \
                 most {MAX_CERTIFICATE_BYTES} bytes: use a shorter --cn or a smaller --key-size",
                identity.certificate_pem.len()
            ),
        ));
    }
    let keystore = identity.keystore(plan.store, &plan.alias, &password)?;
    let entry = keys::verify(
        &keystore_path,
        &keystore,
        plan.store,
        &plan.alias,
        &password,
        &identity,
    )?;
    drop(password);

    let project = metadata::project(&metadata::App {
        name: &plan.name,
        label: &plan.label,
        contact_email: &plan.contact_email,
        certificate_pem: &identity.certificate_pem,
    });
    let keystore_text = keystore_path.display().to_string();
    let properties = metadata::connection_properties(&metadata::Connection {
        app_label: &plan.label,
        my_domain: plan.my_domain.as_deref(),
        subject: &plan.subject,
        keystore_path: &keystore_text,
        keystore_type: plan.store.key(),
        key_alias: &plan.alias,
    });

    std::fs::create_dir_all(&plan.out).map_err(|e| write_error(&plan.out, &e))?;
    write_file(&keystore_path, &keystore, true)?;
    write_file(
        &certificate_path,
        identity.certificate_pem.as_bytes(),
        false,
    )?;
    for file in &project {
        write_file(&plan.out.join(&file.path), file.contents.as_bytes(), false)?;
    }
    write_file(&properties_path, properties.as_bytes(), false)?;

    let report = Report {
        plan: &plan,
        entry: &entry,
        keystore: &keystore_path,
        certificate: &certificate_path,
        certificate_bytes: identity.certificate_pem.len(),
        properties: &properties_path,
        project: &project,
    };
    if flags.json {
        outln!("{}", report.json());
    } else {
        out!("{}", report.text());
    }
    Ok(0)
}

/// What was written, and what remains to do.
struct Report<'a> {
    plan: &'a Plan,
    entry: &'a EntryInfo,
    keystore: &'a Path,
    certificate: &'a Path,
    certificate_bytes: usize,
    properties: &'a Path,
    project: &'a [metadata::File],
}

/// The placeholder of the org in the printed `sf` commands.
const TARGET_ORG: &str = "<your-org-alias>";

impl Report<'_> {
    fn steps(&self) -> Vec<String> {
        let plan = self.plan;
        let name = &plan.name;
        let out = plan.out.display();
        let crt = self.certificate.display();
        let permission_sets = format!("{}/permissionsets", metadata::SOURCE_DIR);
        let mut steps = vec![
            format!(
                "Deploy the External Client App '{name}' and its permission set, as an admin \
                 of the org. With the Salesforce CLI, from {out} (the permission set first: \
                 the app's policies name it):\n\
                 \x20     sf project deploy start --source-dir {permission_sets} --target-org {TARGET_ORG}\n\
                 \x20     sf project deploy start --source-dir force-app --target-org {TARGET_ORG}\n\
                 \x20   Or by hand, in Setup:\n\
                 \x20   - Permission Sets > New: API name {name}; System Permissions: API Enabled.\n\
                 \x20   - External Client App Manager > New External Client App: name {name}, \
                 contact email {email}, Distribution State Local; Enable OAuth with callback \
                 URL {callback} and the scopes 'Manage user data via APIs (api)' and 'Perform \
                 requests at any time (refresh_token, offline_access)'; Flow Enablement > \
                 Enable JWT Bearer Flow, and upload {crt}. Create.\n\
                 \x20   - The app's Policies > Edit > OAuth Policies > Permitted Users: 'Admin \
                 approved users are pre-authorized', and select the permission set {name}. Save.",
                email = plan.contact_email,
                callback = metadata::CALLBACK_URL,
            ),
            format!(
                "Assign the permission set to {user}:\n\
                 \x20     sf org assign permset --name {name} --on-behalf-of {user} --target-org {TARGET_ORG}\n\
                 \x20   (or Setup > Users > {user} > Permission Set Assignments > Edit Assignments).",
                user = plan.subject,
            ),
            format!(
                "Copy the consumer key into the issuer= line of {properties} (and remove its \
                 '#'): External Client App Manager > {label} > Settings > OAuth Settings > \
                 Consumer Key and Secret. A new or changed app answers 'invalid_client_id' for \
                 up to 10 minutes.",
                properties = self.properties.display(),
                label = plan.label,
            ),
        ];
        if plan.my_domain.is_none() {
            steps.push(format!(
                "Put the org's My Domain (Setup > My Domain, e.g. acme.my.salesforce.com) in \
                 the my_domain= line of {} (and remove its '#'): an External Client App is \
                 reached through it.",
                self.properties.display()
            ));
        }
        steps.push(format!(
            "Test the login, with the keystore password in {PASSWORD_VARIABLE} or \
             --keystore-password-file FILE (else sfjwt asks for it):\n\
             \x20     sfjwt test-connection --config {}",
            self.properties.display()
        ));
        steps
    }

    fn text(&self) -> String {
        let plan = self.plan;
        let entry = self.entry;
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        let mut text = format!("sfjwt setup wrote {}:\n", plan.out.display());
        text.push_str(&format!(
            "  Keystore:     {} ({}, alias {}, RSA {} bits, mode 0600)\n",
            self.keystore.display(),
            match plan.store {
                StoreType::Pkcs12 => "PKCS#12, 3DES and SHA-1 as Java 8 reads it",
                StoreType::Pem => "PEM, encrypted PKCS#8 key and certificate",
            },
            plan.alias,
            entry.key_bits.unwrap_or(plan.key_bits),
        ));
        text.push_str(&format!(
            "  Certificate:  {} ({} bytes, to upload)\n",
            self.certificate.display(),
            self.certificate_bytes
        ));
        text.push_str(&format!(
            "                subject {}\n",
            dash(&entry.subject)
        ));
        text.push_str(&format!(
            "                valid to {}\n",
            dash(&entry.not_after)
        ));
        text.push_str(&format!("                SHA-1   {}\n", dash(&entry.sha1)));
        text.push_str(&format!(
            "                SHA-256 {}\n",
            dash(&entry.sha256)
        ));
        text.push_str(&format!(
            "  Settings:     {} (no password)\n",
            self.properties.display()
        ));
        text.push_str(&format!(
            "  Metadata:     the External Client App '{}' for sf project deploy start:\n",
            plan.name
        ));
        for file in self.project {
            text.push_str(&format!("                {}\n", file.path));
        }
        text.push_str("\nWhat remains:\n");
        for (n, step) in self.steps().iter().enumerate() {
            text.push_str(&format!("  {}. {step}\n", n + 1));
        }
        text
    }

    fn json(&self) -> serde_json::Value {
        let plan = self.plan;
        let metadata: Vec<_> = self
            .project
            .iter()
            .map(|f| {
                json!({
                    "path": plan.out.join(&f.path).display().to_string(),
                    "type": f.metadata_type,
                })
            })
            .collect();
        json!({
            "ok": true,
            "out": plan.out.display().to_string(),
            "keystore": {
                "path": self.keystore.display().to_string(),
                "type": plan.store.key(),
                "alias": plan.alias,
                "key_bits": self.entry.key_bits,
            },
            "certificate": {
                "path": self.certificate.display().to_string(),
                "bytes": self.certificate_bytes,
                "subject": self.entry.subject,
                "not_before": self.entry.not_before,
                "not_after": self.entry.not_after,
                "sha1": self.entry.sha1,
                "sha256": self.entry.sha256,
            },
            "config": self.properties.display().to_string(),
            "app": {
                "name": plan.name,
                "label": plan.label,
                "permission_set": plan.name,
                "subject": plan.subject,
                "my_domain": plan.my_domain,
            },
            "metadata": metadata,
            "steps": self.steps(),
        })
    }
}

/// CONFIG naming the first file that exists, before anything is written.
fn refuse_existing(paths: &[PathBuf]) -> Result<(), Error> {
    for path in paths {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(Error::config(
                "out",
                format!(
                    "{} exists (from an earlier sfjwt setup?); nothing was written: pass \
                     --force to replace the files, or choose another --out",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// From SFJWT_KEYSTORE_PASSWORD, the file, or the terminal (twice); never empty.
fn keystore_password(file: Option<&Path>) -> Result<Password, Error> {
    let empty = || {
        Error::config(
            "keystore_password",
            "empty; the new keystore needs a password (Java and keytool refuse a keystore \
             without one)",
        )
    };
    let password = if let Some(file) = file {
        read_password_file(file)?
    } else if let Some(value) = std::env::var_os(PASSWORD_VARIABLE) {
        let value = value.into_string().map_err(|_| {
            Error::config(
                "keystore_password",
                format!("{PASSWORD_VARIABLE} is not UTF-8 text"),
            )
        })?;
        Password::new(value)
    } else if std::io::stdin().is_terminal() {
        let first = prompt("Password for the new keystore: ")?;
        if first.expose().is_empty() {
            return Err(empty());
        }
        let second = prompt("The same password again: ")?;
        if first.expose() != second.expose() {
            return Err(Error::config(
                "keystore_password",
                "the two passwords differ; nothing was written",
            ));
        }
        first
    } else {
        return Err(Error::config(
            "keystore_password",
            format!(
                "missing; set {PASSWORD_VARIABLE} or --keystore-password-file FILE (no \
                 terminal to ask on)"
            ),
        ));
    };
    if password.expose().is_empty() {
        return Err(empty());
    }
    Ok(password)
}

fn read_password_file(path: &Path) -> Result<Password, Error> {
    let error = |reason: String| Error::config("keystore_password", reason);
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|e| error(format!("cannot read {}: {e}", path.display())))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| error(format!("{} is not UTF-8 text", path.display())))?;
    Ok(Password::new(text.lines().next().unwrap_or_default()))
}

fn prompt(text: &str) -> Result<Password, Error> {
    rpassword::prompt_password(text)
        .map(Password::new)
        .map_err(|e| {
            Error::config(
                "keystore_password",
                format!("cannot read the password from the terminal: {e}"),
            )
        })
}

/// Writes through a temporary file in the same directory and renames it over the
/// target, so that a file is either the old one or the new one. A secret file is
/// created 0600 from the start.
fn write_file(path: &Path, contents: &[u8], secret: bool) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    let _ = std::fs::remove_file(&temporary);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(path, &e));
    }
    Ok(())
}

fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::config("out", format!("cannot write {}: {error}", path.display()))
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|e| Error::config("out", format!("{}: {e}", path.display())))
}

/// A Salesforce developer name: a letter, then letters, digits and single underscores,
/// not ending with one; at most 40 characters.
fn check_api_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    let valid = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(Error::config(
            "name",
            format!(
                "'{name}' is not a Salesforce API name: start with a letter, then letters, \
                 digits and underscores (never two in a row, none at the end), at most 40 \
                 characters, e.g. {DEFAULT_NAME}"
            ),
        ))
    }
}

/// A username or email address: `user@domain`, no spaces or control characters.
fn check_username(key: &str, text: &str) -> Result<String, Error> {
    let valid = text.len() <= 80
        && text
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(text.to_owned())
    } else {
        Err(Error::config(
            key,
            format!("'{text}' is not a username or email address (user@example.com)"),
        ))
    }
}

/// Free text of at most `max` characters, without line breaks.
fn check_text(key: &str, text: &str, max: usize) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(Error::config(
            key,
            format!("must be 1 to {max} characters on one line"),
        ));
    }
    Ok(text.to_owned())
}

/// The alias also names the keystore and certificate files, so it stays a plain name.
fn check_alias(alias: &str) -> Result<String, Error> {
    let alias = alias.trim();
    let valid = !alias.is_empty()
        && alias.len() <= 64
        && alias.starts_with(|c: char| c.is_ascii_alphanumeric())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(alias.to_owned())
    } else {
        Err(Error::config(
            "key_alias",
            "must be 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or \
             digit (it also names the keystore file)",
        ))
    }
}

fn check_key_size(text: &str) -> Result<u32, Error> {
    match text.trim().parse::<u32>() {
        Ok(bits @ (2048 | 3072 | 4096)) => Ok(bits),
        Ok(bits) if bits < 2048 => Err(Error::config(
            "key_size",
            format!(
                "{bits} bits is too small: Salesforce signs RS256 with RSA keys of 2048 bits \
                 or more; use 2048, 3072 or 4096"
            ),
        )),
        _ => Err(Error::config(
            "key_size",
            format!("'{}' is not one of 2048, 3072, 4096", text.trim()),
        )),
    }
}

fn check_validity(text: &str) -> Result<u32, Error> {
    match text.trim().parse::<u32>() {
        Ok(days @ 1..=3650) => Ok(days),
        _ => Err(Error::config(
            "validity_days",
            format!(
                "'{}' is not a number of days from 1 to 3650 (ten years)",
                text.trim()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_follow_salesforce_rules() {
        for good in ["sfjwt_integration", "A", "Etl2_Jobs"] {
            assert!(check_api_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "_a",
            "a__b",
            "a_",
            "a-b",
            "a b",
            &"a".repeat(41),
        ] {
            let error = check_api_name(bad).unwrap_err();
            assert_eq!(error.config_key(), Some("name"), "{bad}");
        }
    }

    #[test]
    fn key_sizes_below_2048_are_refused() {
        assert_eq!(check_key_size("4096").unwrap(), 4096);
        for bad in ["1024", "2047", "5000", "big"] {
            assert_eq!(
                check_key_size(bad).unwrap_err().config_key(),
                Some("key_size")
            );
        }
    }
}
