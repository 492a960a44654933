// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! External Client Apps read from Salesforce metadata in source format (what
//! `sf project deploy start` deploys), so that the emulator can serve the org a
//! generated project describes.
//!
//! Types, folders and suffixes are the Metadata API reference's
//! (developer.salesforce.com, `api_meta`): `meta_externalclientapplication.htm`
//! (`externalClientApps/*.eca`), `meta_extlclntappglobaloauthsettings.htm`
//! (`extlClntAppGlobalOauthSets/*.ecaGlblOauth`: `certificate` "enables the JWT Bearer
//! flow"), `meta_extlclntappoauthsettings.htm` (`extlClntAppOauthSettings/*.ecaOauth`),
//! `meta_extlclntappoauthconfigurablepolicies.htm` (`extlClntAppOauthPolicies/
//! *.ecaOauthPlcy`) and `meta_permissionset.htm` (`permissionsets/*.permissionset`).
//! Files are found by suffix anywhere in the tree and tied to their app by their
//! `externalClientApplication` element, since tools name them differently
//! (`App.ecaGlblOauth-meta.xml`, `App_glbloauth.ecaGlblOauth-meta.xml`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_lc_rs::digest::{SHA512, digest};

use super::config::{ExternalClientApp, PermittedUsers, rsa_public_key};
use sfjwt::{Error, Result};

/// A metadata file is a few KiB; anything far larger is not one.
const MAX_FILE: u64 = 1024 * 1024;
/// Deep enough for `force-app/main/default/<type>/` inside package folders.
const MAX_DEPTH: usize = 16;

const ECA: &str = ".eca-meta.xml";
const GLOBAL_OAUTH: &str = ".ecaGlblOauth-meta.xml";
const OAUTH: &str = ".ecaOauth-meta.xml";
const POLICIES: &str = ".ecaOauthPlcy-meta.xml";
const PERMISSION_SET: &str = ".permissionset-meta.xml";

/// What a metadata tree declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppMetadata {
    /// One per `ExternalClientApplication`, named, with the JWT Bearer flow on.
    pub apps: Vec<ExternalClientApp>,
    /// Every permission set the tree defines (`permissionsets/`) or an app's policies
    /// name, without repeats: the sets a user needs to be pre-authorized for every app.
    pub permission_sets: Vec<String>,
}

/// The consumer key the emulator gives an app whose metadata has none (Salesforce
/// makes one at deploy): `3MVG9` and 80 base62 characters derived from the app's
/// name, 85 characters like real keys, the same at every start.
pub fn derived_consumer_key(app_name: &str) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let hash = digest(
        &SHA512,
        format!("sfjwt-emulator consumer key\0{app_name}").as_bytes(),
    );
    // Base62 by long division of the 512-bit number: 86 digits, of which 80 are kept.
    let mut number = hash.as_ref().to_vec();
    let mut digits = Vec::with_capacity(86);
    while number.iter().any(|&b| b != 0) {
        let mut remainder = 0u32;
        for byte in &mut number {
            let value = (remainder << 8) | u32::from(*byte);
            *byte = (value / 62) as u8;
            remainder = value % 62;
        }
        digits.push(ALPHABET[remainder as usize]);
    }
    digits.resize(80, b'0');
    let mut key = String::from("3MVG9");
    key.extend(digits.iter().map(|&b| char::from(b)));
    key
}

impl AppMetadata {
    /// Reads every External Client App under `dir`: its header (`.eca-meta.xml`), its
    /// global OAuth settings (the certificate, required: it is what enables the JWT
    /// Bearer flow; `consumerKey`, else [`derived_consumer_key`]), its OAuth settings
    /// (the scopes, required) and its OAuth policies (permitted users and permission
    /// sets; Salesforce's default `AllSelfAuthorized` when absent). Hidden folders and
    /// `node_modules` are skipped. Bad metadata is [`Error::config`] naming the file.
    pub fn load(dir: &Path) -> Result<AppMetadata> {
        let mut files = Vec::new();
        walk(dir, 0, &mut files)?;
        files.sort();

        let mut headers = BTreeMap::new();
        let mut global = BTreeMap::new();
        let mut oauth = BTreeMap::new();
        let mut policies = BTreeMap::new();
        let mut permission_sets = Vec::new();
        for file in &files {
            let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(stem) = strip_suffix(name, ECA) {
                read_metadata(file, "ExternalClientApplication")?;
                if headers.insert(stem.to_owned(), file.clone()).is_some() {
                    return Err(bad(
                        file,
                        format!("a second External Client App named {stem}"),
                    ));
                }
            } else if strip_suffix(name, GLOBAL_OAUTH).is_some() {
                let root = read_metadata(file, "ExtlClntAppGlobalOauthSettings")?;
                let app = app_of(&root, file)?;
                let certificate = text(&root, "certificate").ok_or_else(|| {
                    bad(
                        file,
                        "has no <certificate>: the JWT Bearer flow needs the app's certificate",
                    )
                })?;
                let certificate = pem_certificate(&certificate);
                rsa_public_key(&certificate, &app)
                    .map_err(|e| bad(file, format!("its <certificate> is not usable: {e}")))?;
                let settings = (certificate, text(&root, "consumerKey"));
                insert_once(&mut global, app, settings, file)?;
            } else if strip_suffix(name, OAUTH).is_some() {
                let root = read_metadata(file, "ExtlClntAppOauthSettings")?;
                let app = app_of(&root, file)?;
                let scopes = scopes(&text(&root, "commaSeparatedOauthScopes").unwrap_or_default());
                insert_once(&mut oauth, app, scopes, file)?;
            } else if strip_suffix(name, POLICIES).is_some() {
                let root = read_metadata(file, "ExtlClntAppOauthConfigurablePolicies")?;
                let app = app_of(&root, file)?;
                let permitted = match text(&root, "permittedUsersPolicyType").as_deref() {
                    None | Some("AllSelfAuthorized") => PermittedUsers::AllUsers,
                    Some("AdminApprovedPreAuthorized") => PermittedUsers::AdminApproved,
                    Some(other) => {
                        return Err(bad(
                            file,
                            format!(
                                "permittedUsersPolicyType '{other}' is neither \
                                 AdminApprovedPreAuthorized nor AllSelfAuthorized"
                            ),
                        ));
                    }
                };
                let sets =
                    split_list(&text(&root, "commaSeparatedPermissionSet").unwrap_or_default());
                insert_once(&mut policies, app, (permitted, sets), file)?;
            } else if let Some(stem) = strip_suffix(name, PERMISSION_SET) {
                read_metadata(file, "PermissionSet")?;
                add_unique(&mut permission_sets, stem);
            }
        }

        // Every settings file must belong to a declared app.
        for (app, file) in global
            .iter()
            .map(|(app, (_, file))| (app, file))
            .chain(oauth.iter().map(|(app, (_, file))| (app, file)))
            .chain(policies.iter().map(|(app, (_, file))| (app, file)))
        {
            if !headers.contains_key(app) {
                return Err(bad(
                    file,
                    format!(
                        "names External Client App '{app}', but there is no \
                         externalClientApps/{app}.eca-meta.xml under {}",
                        dir.display()
                    ),
                ));
            }
        }
        if headers.is_empty() {
            return Err(Error::config(
                "app_metadata",
                format!(
                    "no External Client App (externalClientApps/<Name>.eca-meta.xml) under {}",
                    dir.display()
                ),
            ));
        }

        let mut apps = Vec::new();
        for (name, header) in &headers {
            let ((certificate, consumer_key), _) = global.remove(name).ok_or_else(|| {
                bad(
                    header,
                    format!(
                        "has no ExtlClntAppGlobalOauthSettings \
                         (extlClntAppGlobalOauthSets/*.ecaGlblOauth-meta.xml) naming {name}: \
                         its <certificate> enables the JWT Bearer flow"
                    ),
                )
            })?;
            let (scopes, _) = oauth.remove(name).ok_or_else(|| {
                bad(
                    header,
                    format!(
                        "has no ExtlClntAppOauthSettings \
                         (extlClntAppOauthSettings/*.ecaOauth-meta.xml) naming {name}: \
                         without it the app has no OAuth"
                    ),
                )
            })?;
            let ((permitted_users, sets), _) = policies
                .remove(name)
                .unwrap_or(((PermittedUsers::AllUsers, Vec::new()), header.clone()));
            for set in &sets {
                add_unique(&mut permission_sets, set);
            }
            let mut app = ExternalClientApp::new(
                consumer_key.unwrap_or_else(|| derived_consumer_key(name)),
                certificate,
            );
            app.name = Some(name.clone());
            app.permitted_users = permitted_users;
            app.permission_sets = sets;
            app.scopes = scopes;
            apps.push(app);
        }
        Ok(AppMetadata {
            apps,
            permission_sets,
        })
    }
}

fn bad(file: &Path, why: impl std::fmt::Display) -> Error {
    Error::config("app_metadata", format!("{}: {why}", file.display()))
}

/// `name` without `suffix`, compared without case (file systems and tools differ); an
/// empty stem does not count.
fn strip_suffix<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let split = name.len().checked_sub(suffix.len())?;
    let (stem, tail) = (name.get(..split)?, name.get(split..)?);
    (tail.eq_ignore_ascii_case(suffix) && !stem.is_empty()).then_some(stem)
}

/// Collects the metadata files under `dir`; symbolic links to folders are not
/// followed, so that a loop cannot keep the walk going.
fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::config(
            "app_metadata",
            format!("cannot read the metadata folder {}: {e}", dir.display()),
        )
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth < MAX_DEPTH && !name.starts_with('.') && name != "node_modules" {
                walk(&path, depth + 1, files)?;
            }
        } else if [ECA, GLOBAL_OAUTH, OAUTH, POLICIES, PERMISSION_SET]
            .iter()
            .any(|suffix| strip_suffix(&name, suffix).is_some())
        {
            files.push(path);
        }
    }
    Ok(())
}

/// A metadata file's root element, reduced to its children as (name, text) pairs: all
/// that these flat files hold.
struct Element {
    children: Vec<(String, String)>,
}

/// Reads and parses `file`, whose root element must be `expected` (in any namespace:
/// tools differ).
fn read_metadata(file: &Path, expected: &str) -> Result<Element> {
    let size = std::fs::metadata(file)
        .map_err(|e| bad(file, format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE {
        return Err(bad(
            file,
            format!("{size} bytes is too large for a metadata file"),
        ));
    }
    let text = std::fs::read_to_string(file).map_err(|e| bad(file, format!("cannot read: {e}")))?;
    let document =
        roxmltree::Document::parse(&text).map_err(|e| bad(file, format!("not valid XML: {e}")))?;
    let root = document.root_element();
    let name = root.tag_name().name();
    if name != expected {
        return Err(bad(
            file,
            format!("its root element is <{name}>, not <{expected}>"),
        ));
    }
    let children = root
        .children()
        .filter(roxmltree::Node::is_element)
        .map(|child| {
            // Text and CDATA, with entities decoded; trimmed of the indentation.
            let text: String = child
                .descendants()
                .filter(roxmltree::Node::is_text)
                .filter_map(|t| t.text())
                .collect();
            (child.tag_name().name().to_owned(), text.trim().to_owned())
        })
        .collect();
    Ok(Element { children })
}

/// The text of the first child element `name`, when not empty.
fn text(element: &Element, name: &str) -> Option<String> {
    element
        .children
        .iter()
        .find(|(child, _)| child == name)
        .map(|(_, text)| text.clone())
        .filter(|text| !text.is_empty())
}

fn app_of(element: &Element, file: &Path) -> Result<String> {
    text(element, "externalClientApplication")
        .ok_or_else(|| bad(file, "has no <externalClientApplication> naming its app"))
}

fn insert_once<T>(
    map: &mut BTreeMap<String, (T, PathBuf)>,
    app: String,
    value: T,
    file: &Path,
) -> Result<()> {
    if let Some((_, first)) = map.get(&app) {
        return Err(bad(
            file,
            format!(
                "a second file of this type for '{app}' (the first: {})",
                first.display()
            ),
        ));
    }
    map.insert(app, (value, file.to_owned()));
    Ok(())
}

/// The certificate as PEM: metadata holds either a whole PEM block or, as some tools
/// write it, the base64 body alone.
fn pem_certificate(text: &str) -> String {
    if text.contains("-----BEGIN") {
        return format!("{}\n", text.trim());
    }
    let body: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn split_list(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        add_unique(&mut items, item);
    }
    items
}

fn add_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|known| known.eq_ignore_ascii_case(item)) {
        list.push(item.to_owned());
    }
}

/// Metadata scope names (`Api`, `RefreshToken`, ...) as OAuth scopes. `RefreshToken` is
/// the one setting "Perform requests at any time (refresh_token, offline_access)".
fn scopes(list: &str) -> Vec<String> {
    let mut scopes = Vec::new();
    for name in split_list(list) {
        let lower = name.to_ascii_lowercase().replace('_', "");
        let mapped: &[&str] = match lower.as_str() {
            "api" => &["api"],
            "refreshtoken" => &["refresh_token", "offline_access"],
            "offlineaccess" => &["offline_access"],
            _ => &[],
        };
        if mapped.is_empty() {
            add_unique(&mut scopes, &name.to_ascii_lowercase());
        }
        for scope in mapped {
            add_unique(&mut scopes, scope);
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_look_like_consumer_keys_and_are_stable() {
        let key = derived_consumer_key("Sfjwt_ETL");
        assert_eq!(key.len(), 85);
        assert!(key.starts_with("3MVG9"));
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(key, derived_consumer_key("Sfjwt_ETL"));
        assert_ne!(key, derived_consumer_key("Sfjwt_ETL2"));
    }

    #[test]
    fn scope_names_map_to_oauth_scopes() {
        assert_eq!(
            scopes(" Api, RefreshToken ,api,OfflineAccess,Web"),
            ["api", "refresh_token", "offline_access", "web"]
        );
        assert_eq!(scopes(""), Vec::<String>::new());
    }

    #[test]
    fn suffixes_match_without_case_and_need_a_stem() {
        assert_eq!(strip_suffix("A.eca-meta.xml", ECA), Some("A"));
        assert_eq!(strip_suffix("A.ECA-META.XML", ECA), Some("A"));
        assert_eq!(strip_suffix(".eca-meta.xml", ECA), None);
        assert_eq!(strip_suffix("A.ecaOauth-meta.xml", ECA), None);
        assert_eq!(strip_suffix("é.eca-meta.xml", ECA), Some("é"));
    }

    #[test]
    fn a_bare_base64_certificate_becomes_pem() {
        let pem = pem_certificate("  QUJD\n REVG  ");
        assert_eq!(
            pem,
            "-----BEGIN CERTIFICATE-----\nQUJDREVG\n-----END CERTIFICATE-----\n"
        );
    }
}
