// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The External Client App as Salesforce DX source-format metadata, for
//! `sf project deploy start`, and the `conn.properties` of the login.
//!
//! Element names, file suffixes, folder names and enumeration values are those of the
//! Metadata API Developer Guide:
//! - ExternalClientApplication (`.eca`, `externalClientApps`; `contactEmail`,
//!   `distributionState` = `Local`, `isProtected`, `label`):
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_externalclientapplication.htm>
//! - ExtlClntAppOauthSettings (`.ecaOauth`, `extlClntAppOauthSettings`;
//!   `commaSeparatedOauthScopes`, `externalClientApplication`, `label`):
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappoauthsettings.htm>
//! - ExtlClntAppGlobalOauthSettings (`.ecaGlblOauth`, `extlClntAppGlobalOauthSets`;
//!   `callbackUrl`, `certificate` — "the PEM-encoded certificate string. When provided,
//!   it enables the JWT Bearer flow" —, `externalClientApplication`, `label`):
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappglobaloauthsettings.htm>
//! - ExtlClntAppOauthConfigurablePolicies (`.ecaOauthPlcy`, `extlClntAppOauthPolicies`;
//!   `commaSeparatedPermissionSet`, `permittedUsersPolicyType` = `AdminApprovedPreAuthorized`):
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappoauthconfigurablepolicies.htm>
//! - PermissionSet (`.permissionset`, `permissionsets`; `description`,
//!   `hasActivationRequired`, `label`, `userPermissions`). No PermissionSet field grants
//!   an external client app: the app's policies name the permission set instead.
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_permissionset.htm>
//! - package.xml with these type names: the sample of
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappconfigurablepolicies.htm>
//!
//! How the JWT Bearer flow of an ECA is configured through the certificate field:
//! <https://help.salesforce.com/s/articleView?id=xcloud.meta_configure_oauth_jwt_flow_external_client_apps.htm>.
//! The folder and suffix of each type are also those of the Salesforce CLI's registry
//! (forcedotcom/source-deploy-retrieve, `src/registry/metadataRegistry.json`).
//!
//! Elements are written in alphabetical order, the order of the types' XSD sequences,
//! which deploys reject when broken. No `consumerKey` is written: Salesforce makes it
//! when the app is deployed.

use std::fmt::Write as _;

/// The Metadata API version of `sfdx-project.json` and `package.xml`: the
/// `certificate` field needs 60.0; 64.0 (Summer '25) is served by every org in 2026.
pub const API_VERSION: &str = "64.0";

/// The metadata namespace of every file.
const NAMESPACE: &str = "http://soap.sforce.com/2006/04/metadata";

/// The OAuth scopes as the metadata names them: `Api` is "Manage user data via APIs
/// (api)", `RefreshToken` "Perform requests at any time (refresh_token,
/// offline_access)".
pub const OAUTH_SCOPES: &str = "Api, RefreshToken";

/// A callback URL the app needs to have; the JWT Bearer flow never calls it.
pub const CALLBACK_URL: &str = "https://login.salesforce.com/services/oauth2/success";

/// The source folder of `sfdx-project.json`'s package directory.
pub const SOURCE_DIR: &str = "force-app/main/default";

/// What the metadata describes.
pub struct App<'a> {
    /// The API name of the app, its settings, its policies and its permission set.
    pub name: &'a str,
    pub label: &'a str,
    pub contact_email: &'a str,
    /// The certificate, PEM.
    pub certificate_pem: &'a str,
}

/// One file of the project, relative to the output directory.
pub struct File {
    pub path: String,
    pub contents: String,
    /// The metadata type, for the package.xml and the report (`None`: project files).
    pub metadata_type: Option<&'static str>,
}

/// The project's files: `sfdx-project.json`, the five components and `manifest/package.xml`.
pub fn project(app: &App<'_>) -> Vec<File> {
    let name = app.name;
    let mut files = vec![
        component(
            "ExternalClientApplication",
            format!("externalClientApps/{name}.eca-meta.xml"),
            &[
                ("contactEmail", app.contact_email.to_owned()),
                (
                    "description",
                    "JWT Bearer login of an ETL job (made by sfjwt setup)".to_owned(),
                ),
                ("distributionState", "Local".to_owned()),
                ("isProtected", "false".to_owned()),
                ("label", app.label.to_owned()),
            ],
        ),
        component(
            "ExtlClntAppGlobalOauthSettings",
            format!("extlClntAppGlobalOauthSets/{name}.ecaGlblOauth-meta.xml"),
            &[
                ("callbackUrl", CALLBACK_URL.to_owned()),
                ("certificate", app.certificate_pem.trim_end().to_owned()),
                ("externalClientApplication", name.to_owned()),
                ("label", format!("{} global OAuth settings", app.label)),
            ],
        ),
        component(
            "ExtlClntAppOauthSettings",
            format!("extlClntAppOauthSettings/{name}.ecaOauth-meta.xml"),
            &[
                ("commaSeparatedOauthScopes", OAUTH_SCOPES.to_owned()),
                ("externalClientApplication", name.to_owned()),
                ("label", format!("{} OAuth settings", app.label)),
            ],
        ),
        component(
            "ExtlClntAppOauthConfigurablePolicies",
            format!("extlClntAppOauthPolicies/{name}.ecaOauthPlcy-meta.xml"),
            &[
                ("commaSeparatedPermissionSet", name.to_owned()),
                ("externalClientApplication", name.to_owned()),
                ("label", format!("{} OAuth policies", app.label)),
                (
                    "permittedUsersPolicyType",
                    "AdminApprovedPreAuthorized".to_owned(),
                ),
            ],
        ),
        permission_set(app),
    ];
    files.push(package_xml(app, &files));
    files.push(File {
        path: "sfdx-project.json".to_owned(),
        contents: sfdx_project(name),
        metadata_type: None,
    });
    files
}

fn component(metadata_type: &'static str, path: String, fields: &[(&str, String)]) -> File {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{metadata_type} xmlns=\"{NAMESPACE}\">\n"
    );
    for (element, value) in fields {
        let _ = writeln!(xml, "    <{element}>{}</{element}>", escape_xml(value));
    }
    let _ = writeln!(xml, "</{metadata_type}>");
    File {
        path: format!("{SOURCE_DIR}/{path}"),
        contents: xml,
        metadata_type: Some(metadata_type),
    }
}

/// The permission set that the app's policies pre-authorize. It also grants API
/// Enabled, which every user of a JWT Bearer login needs.
fn permission_set(app: &App<'_>) -> File {
    let name = app.name;
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <PermissionSet xmlns=\"{NAMESPACE}\">\n    \
             <description>Users with this permission set are pre-authorized for the External \
         Client App {name} (JWT Bearer login) and may use the API.</description>\n    \
             <hasActivationRequired>false</hasActivationRequired>\n    \
             <label>{label}</label>\n    \
             <userPermissions>\n        \
                 <enabled>true</enabled>\n        \
                 <name>ApiEnabled</name>\n    \
             </userPermissions>\n\
         </PermissionSet>\n",
        name = escape_xml(name),
        label = escape_xml(app.label),
    );
    File {
        path: format!("{SOURCE_DIR}/permissionsets/{name}.permissionset-meta.xml"),
        contents: xml,
        metadata_type: Some("PermissionSet"),
    }
}

/// `manifest/package.xml`: each component by name, types in alphabetical order.
fn package_xml(app: &App<'_>, components: &[File]) -> File {
    let mut types: Vec<&str> = components.iter().filter_map(|f| f.metadata_type).collect();
    types.sort_unstable();
    let mut xml =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"{NAMESPACE}\">\n");
    for metadata_type in types {
        let _ = write!(
            xml,
            "    <types>\n        <members>{}</members>\n        <name>{metadata_type}</name>\n    </types>\n",
            escape_xml(app.name)
        );
    }
    let _ = write!(xml, "    <version>{API_VERSION}</version>\n</Package>\n");
    File {
        path: "manifest/package.xml".to_owned(),
        contents: xml,
        metadata_type: None,
    }
}

/// The Salesforce DX project file (`sf` looks for it in the working directory).
fn sfdx_project(name: &str) -> String {
    let project = serde_json::json!({
        "packageDirectories": [{"path": "force-app", "default": true}],
        "name": name,
        "namespace": "",
        "sfdcLoginUrl": "https://login.salesforce.com",
        "sourceApiVersion": API_VERSION,
    });
    let mut text = serde_json::to_string_pretty(&project).unwrap_or_else(|_| project.to_string());
    text.push('\n');
    text
}

/// Text content and attribute values: `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// What `conn.properties` holds.
pub struct Connection<'a> {
    pub app_label: &'a str,
    pub my_domain: Option<&'a str>,
    pub subject: &'a str,
    pub keystore_path: &'a str,
    pub keystore_type: &'a str,
    pub key_alias: &'a str,
}

/// `conn.properties`: the login's settings, without a password, with the two lines
/// the user completes after the deploy commented and explained.
pub fn connection_properties(connection: &Connection<'_>) -> String {
    let mut text = String::new();
    text.push_str(
        "# sfjwt connection settings, written by `sfjwt setup`.\n\
         # No password here: sfjwt reads the keystore password from SFJWT_KEYSTORE_PASSWORD,\n\
         # --keystore-password-file FILE, or asks for it.\n\n",
    );
    text.push_str("# The org's My Domain (Setup > My Domain), e.g. acme.my.salesforce.com.\n");
    match connection.my_domain {
        Some(domain) => {
            let _ = writeln!(text, "my_domain={}", escape_property(domain));
        }
        None => text.push_str(
            "# Set it to the My Domain shown in Setup > My Domain, and remove the '#':\n\
             #my_domain=<your domain>.my.salesforce.com\n",
        ),
    }
    let _ = write!(
        text,
        "\n# The consumer key of the External Client App '{label}' (External Client App\n\
         # Manager > {label} > Settings > OAuth Settings > Consumer Key and Secret).\n\
         # Salesforce makes it when the app is deployed: paste it here, and remove the '#'.\n\
         #issuer=\n\n",
        label = single_line(connection.app_label),
    );
    text.push_str("# The integration user's Salesforce username.\n");
    let _ = writeln!(text, "subject={}", escape_property(connection.subject));
    text.push_str("\n# The keystore with the key whose certificate the app holds.\n");
    let _ = writeln!(
        text,
        "keystore_path={}",
        escape_property(connection.keystore_path)
    );
    let _ = writeln!(
        text,
        "keystore_type={}",
        escape_property(connection.keystore_type)
    );
    let _ = writeln!(text, "key_alias={}", escape_property(connection.key_alias));
    text
}

/// A value as Java's `Properties.load` reads it back: backslashes, line breaks and
/// a leading space escaped; other characters outside printable ASCII as `\uXXXX`,
/// which Java 8 (whose `load(InputStream)` reads ISO 8859-1) and sfjwt read alike.
pub fn escape_property(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' ' if i == 0 => out.push_str("\\ "),
            c if (' '..='~').contains(&c) => out.push(c),
            // sfjwt's reader decodes one `\uXXXX` at a time, not surrogate pairs:
            // characters beyond the BMP stay UTF-8.
            c if u32::from(c) > 0xffff => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
    }
    out
}

/// Text for a comment line: line breaks become spaces.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_escape_what_java_unescapes() {
        assert_eq!(escape_property(r"C:\keys\a.p12"), r"C:\\keys\\a.p12");
        assert_eq!(escape_property(" x"), r"\ x");
        assert_eq!(escape_property("a\nb"), r"a\nb");
        assert_eq!(escape_property("äé😀"), r"\u00e4\u00e9😀");
        let text = format!("k={}\n", escape_property("C:\\ä b\\😀"));
        let pairs = sfjwt::config::parse_properties(&text);
        assert_eq!(pairs[0].1.as_str(), "C:\\ä b\\😀");
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(
            escape_xml("A & <B> \"c\" 'd'"),
            "A &amp; &lt;B&gt; &quot;c&quot; &apos;d&apos;"
        );
    }

    #[test]
    fn package_xml_lists_every_component_by_name() {
        let app = App {
            name: "My_App",
            label: "My App",
            contact_email: "a@example.com",
            certificate_pem: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        };
        let files = project(&app);
        let package = files
            .iter()
            .find(|f| f.path == "manifest/package.xml")
            .unwrap();
        for t in [
            "ExternalClientApplication",
            "ExtlClntAppGlobalOauthSettings",
            "ExtlClntAppOauthConfigurablePolicies",
            "ExtlClntAppOauthSettings",
            "PermissionSet",
        ] {
            assert!(
                package.contents.contains(&format!("<name>{t}</name>")),
                "{t}"
            );
        }
        assert_eq!(
            package
                .contents
                .matches("<members>My_App</members>")
                .count(),
            5
        );
    }
}
