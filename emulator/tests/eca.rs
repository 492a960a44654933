// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! External Client Apps and the org's My Domain, over real HTTPS on loopback: both host
//! names verified against the emulator's CA, every answer with Salesforce's exact body,
//! and the org loaded from Salesforce metadata.

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::SystemTime;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sfjwt::{Claims, ErrorCode};
use sfjwt_emulator::{
    AppMetadata, ConnectedApp, Emulator, EmulatorConfig, ExternalClientApp, PermittedUsers,
    StartOptions, User, derived_consumer_key,
};

const TEST: &str = "https://test.salesforce.com";
const CONNECTED_APP: &str = "3MVG9connected";
const ECA: &str = "3MVG9eca";
const ADMIN_ECA: &str = "3MVG9eca_admin";
const OFF_ECA: &str = "3MVG9eca_off";
const QUIET_OFF_ECA: &str = "3MVG9eca_off_worded";
const NO_API_ECA: &str = "3MVG9eca_noapi";
const OTHER_KEY_ECA: &str = "3MVG9eca_otherkey";
const HOLDER: &str = "holder@example.com";
const NEW_USER: &str = "new@example.com";
const PERMISSION_SET: &str = "ETL_Integration";

const APP_NOT_FOUND: (&str, &str) = (
    "app_not_found",
    "External client app is not installed in this org",
);
const BAD_AUDIENCE: (&str, &str) = ("invalid_grant", "audience is invalid");
const INVALID_ASSERTION: (&str, &str) = ("invalid_grant", "invalid assertion");
const NOT_ASSIGNED: (&str, &str) = (
    "invalid_app_access",
    "user is not admin approved to access this app",
);
const NOT_APPROVED: (&str, &str) = ("invalid_grant", "user hasn't approved this consumer");
const UNKNOWN_CLIENT: (&str, &str) = ("invalid_client_id", "client identifier invalid");

fn sign(iss: &str, sub: &str, aud: &str) -> String {
    let claims = Claims::new(iss, sub, aud, 180, SystemTime::now()).expect("claims");
    signer().sign(&claims).expect("signs").as_str().to_owned()
}

fn eca(key: &str, edit: impl FnOnce(&mut ExternalClientApp)) -> ExternalClientApp {
    let mut app = ExternalClientApp::new(key, app_certificate());
    edit(&mut app);
    app
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        apps: vec![ConnectedApp::new(CONNECTED_APP, app_certificate())],
        external_client_apps: vec![
            ExternalClientApp::new(ECA, app_certificate()),
            eca(ADMIN_ECA, |app| {
                app.permitted_users = PermittedUsers::AdminApproved;
                app.permission_sets = vec!["Other_Set".to_owned(), PERMISSION_SET.to_owned()];
            }),
            eca(OFF_ECA, |app| app.jwt_bearer_flow_enabled = false),
            eca(QUIET_OFF_ECA, |app| {
                app.jwt_bearer_flow_enabled = false;
                app.certificate_pem = String::new();
                app.jwt_disabled_error = "invalid_client".to_owned();
                app.jwt_disabled_error_description = "JWT Bearer flow is not enabled".to_owned();
            }),
            eca(NO_API_ECA, |app| {
                app.scopes = vec!["refresh_token".to_owned()]
            }),
            ExternalClientApp::new(OTHER_KEY_ECA, read("certs/pem-pkcs8.pem-pkcs8.crt")),
        ],
        users: vec![
            User::new(USER),
            // Holding the set pre-authorizes, whatever the user's own approval.
            User {
                approved: false,
                // Permission set names compare without case, as Salesforce's API names.
                permission_sets: vec!["etl_integration".to_owned()],
                ..User::new(HOLDER)
            },
            User {
                approved: false,
                ..User::new(NEW_USER)
            },
        ],
        ..EmulatorConfig::default()
    }
}

/// The refusal, whole: HTTP 400 and exactly Salesforce's two fields.
fn assert_refused(answer: &(StatusCode, Value), (error, description): (&str, &str)) {
    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    assert_eq!(
        answer.1,
        json!({"error": error, "error_description": description})
    );
}

fn assert_token(answer: &(StatusCode, Value), instance_url: &str) {
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    assert_eq!(answer.1["instance_url"], instance_url, "{}", answer.1);
    let id = answer.1["id"].as_str().expect("id");
    assert!(id.starts_with(&format!("{instance_url}/id/")), "{id}");
}

#[test]
fn both_host_names_verify_and_instance_url_follows_the_host_reached() {
    let emulator = start(config());
    let client = client(&emulator);
    let port = emulator.port();
    assert_eq!(emulator.base_url(), format!("https://127.0.0.1:{port}"));
    assert_eq!(
        emulator.my_domain_url(),
        format!("https://localhost:{port}")
    );
    assert_eq!(emulator.my_domain(), "localhost");

    // A connected app logs in through both, as at login.salesforce.com and at a My Domain.
    let generic = json_of(post_token(
        &client,
        &emulator.base_url(),
        &sign(CONNECTED_APP, USER, LOGIN),
    ));
    assert_token(&generic, &emulator.base_url());
    let my_domain = json_of(post_token(
        &client,
        &emulator.my_domain_url(),
        &sign(CONNECTED_APP, USER, TEST),
    ));
    assert_token(&my_domain, &emulator.my_domain_url());

    // The REST answers name the host the session was opened on.
    let token = my_domain.1["access_token"].as_str().expect("token");
    let (status, userinfo) = json_of(
        client
            .get(format!(
                "{}/services/oauth2/userinfo",
                emulator.my_domain_url()
            ))
            .bearer_auth(token)
            .send()
            .expect("answered"),
    );
    assert_eq!(status, StatusCode::OK, "{userinfo}");
    assert!(
        userinfo["urls"]["rest"]
            .as_str()
            .expect("rest")
            .starts_with(&emulator.my_domain_url()),
        "{userinfo}"
    );
    let id = my_domain.1["id"].as_str().expect("id");
    let identity = client.get(id).bearer_auth(token).send().expect("answered");
    assert_eq!(identity.status(), StatusCode::OK);

    let hosts: Vec<(String, String)> = emulator
        .log()
        .into_iter()
        .map(|entry| (entry.path, entry.host))
        .collect();
    assert_eq!(
        hosts,
        [
            ("/services/oauth2/token", "127.0.0.1"),
            ("/services/oauth2/token", "localhost"),
            ("/services/oauth2/userinfo", "localhost"),
            (
                id.strip_prefix(&emulator.my_domain_url()).expect("path"),
                "localhost"
            ),
        ]
        .map(|(path, host)| (path.to_owned(), host.to_owned()))
    );
}

#[test]
fn an_external_client_app_is_found_only_through_the_my_domain_with_its_url_as_audience() {
    let emulator = start(config());
    let client = client(&emulator);
    let port = emulator.port();
    let (generic, my_domain) = (emulator.base_url(), emulator.my_domain_url());

    // The generic host: not found, whatever the audience.
    for aud in [LOGIN, TEST, "https://localhost", my_domain.as_str()] {
        let answer = json_of(post_token(&client, &generic, &sign(ECA, USER, aud)));
        assert_refused(&answer, APP_NOT_FOUND);
    }
    // The My Domain with a generic or another audience: not found either.
    for aud in [
        LOGIN.to_owned(),
        TEST.to_owned(),
        generic.clone(),
        "http://localhost".to_owned(),
        "https://localhost:1".to_owned(),
        "https://localhost/services".to_owned(),
        "https://localhost?x=1".to_owned(),
        "https://user@localhost".to_owned(),
        "https://localhost.example.com".to_owned(),
    ] {
        let answer = json_of(post_token(&client, &my_domain, &sign(ECA, USER, &aud)));
        assert_refused(&answer, APP_NOT_FOUND);
    }
    // The My Domain URL, with or without the port, a trailing slash tolerated.
    for aud in [
        "https://localhost".to_owned(),
        "https://localhost/".to_owned(),
        format!("https://localhost:{port}"),
        format!("https://LocalHost:{port}/"),
    ] {
        let answer = json_of(post_token(&client, &my_domain, &sign(ECA, USER, &aud)));
        assert_token(&answer, &my_domain);
        assert_eq!(answer.1["token_type"], "Bearer");
    }

    let log = emulator.log();
    assert_eq!(log.len(), 4 + 9 + 4);
    assert!(log[..4].iter().all(|e| e.host == "127.0.0.1"), "{log:?}");
    assert!(log[4..].iter().all(|e| e.host == "localhost"), "{log:?}");
    assert_eq!(
        log[0].outcome,
        "app_not_found: External client app is not installed in this org"
    );
    assert_eq!(log[0].consumer_key.as_deref(), Some(ECA));
    assert_eq!(log[16].outcome, "token_issued");
    assert_eq!(emulator.login_count(), 4);
}

#[test]
fn a_connected_app_refuses_the_my_domain_as_audience_on_either_host() {
    let emulator = start(config());
    let client = client(&emulator);
    for base in [emulator.base_url(), emulator.my_domain_url()] {
        for aud in ["https://localhost".to_owned(), emulator.my_domain_url()] {
            let answer = json_of(post_token(&client, &base, &sign(CONNECTED_APP, USER, &aud)));
            assert_refused(&answer, BAD_AUDIENCE);
        }
    }
}

#[test]
fn each_refusal_of_an_external_client_app_has_salesforce_error_and_description() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.my_domain_url();
    let aud = "https://localhost";
    let cases: [(&str, &str, (&str, &str)); 8] = [
        // JWT Bearer flow off: the default answer, and one an app configures.
        (OFF_ECA, USER, INVALID_ASSERTION),
        (
            QUIET_OFF_ECA,
            USER,
            ("invalid_client", "JWT Bearer flow is not enabled"),
        ),
        // Admin approved: only holders of one of the app's permission sets.
        (ADMIN_ECA, USER, NOT_ASSIGNED),
        (ADMIN_ECA, NEW_USER, NOT_ASSIGNED),
        // All users: the user's own approval decides; an unknown user is not approved.
        (ECA, NEW_USER, NOT_APPROVED),
        (ECA, "nobody@example.com", NOT_APPROVED),
        // The signature is checked against the app's certificate.
        (OTHER_KEY_ECA, USER, INVALID_ASSERTION),
        ("3MVG9unknown", USER, UNKNOWN_CLIENT),
    ];
    for (app, user, expected) in cases {
        let answer = json_of(post_token(&client, &base, &sign(app, user, aud)));
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{app} {user}");
        assert_eq!(
            answer.1,
            json!({"error": expected.0, "error_description": expected.1}),
            "{app} {user}"
        );
    }
    // The generic host answers app_not_found before looking at the flow.
    let answer = json_of(post_token(
        &client,
        &emulator.base_url(),
        &sign(OFF_ECA, USER, aud),
    ));
    assert_refused(&answer, APP_NOT_FOUND);
    // Without the api scope, as for connected apps.
    let answer = json_of(post_token(&client, &base, &sign(NO_API_ECA, USER, aud)));
    assert_eq!(answer.1["error"], "invalid_request", "{}", answer.1);

    // A holder of the permission set logs in, though it approved nothing itself.
    let answer = json_of(post_token(&client, &base, &sign(ADMIN_ECA, HOLDER, aud)));
    assert_token(&answer, &base);
    // A user who approved the app logs in to an all-users ECA.
    let answer = json_of(post_token(&client, &base, &sign(ECA, USER, aud)));
    assert_token(&answer, &base);
    assert_eq!(emulator.login_count(), 2);
}

#[test]
fn a_custom_my_domain_is_in_the_certificate_and_is_the_only_my_domain_host() {
    const DOMAIN: &str = "acme.my.salesforce.test";
    let emulator = start(EmulatorConfig {
        // Any case in the configuration; hosts compare lowercase.
        my_domain: "Acme.My.Salesforce.Test".to_owned(),
        ..config()
    });
    let port = emulator.port();
    assert_eq!(emulator.my_domain_url(), format!("https://{DOMAIN}:{port}"));
    // The name resolves nowhere: the client maps it to loopback, TLS still verifies it.
    let client = client_builder(&emulator)
        .resolve(DOMAIN, SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .build()
        .expect("client builds");

    let answer = json_of(post_token(
        &client,
        &emulator.my_domain_url(),
        &sign(ECA, USER, &format!("https://{DOMAIN}")),
    ));
    assert_token(&answer, &emulator.my_domain_url());
    // localhost is now a generic host like any other.
    let answer = json_of(post_token(
        &client,
        &format!("https://localhost:{port}"),
        &sign(ECA, USER, &format!("https://{DOMAIN}")),
    ));
    assert_refused(&answer, APP_NOT_FOUND);
    let answer = json_of(post_token(
        &client,
        &format!("https://localhost:{port}"),
        &sign(CONNECTED_APP, USER, LOGIN),
    ));
    assert_token(&answer, &emulator.base_url());
    let hosts: Vec<String> = emulator.log().into_iter().map(|e| e.host).collect();
    assert_eq!(hosts, [DOMAIN, "localhost", "localhost"]);
}

#[test]
fn the_my_domain_and_the_apps_are_checked_at_start() {
    let refused = |config: EmulatorConfig, key: &str| {
        let error = Emulator::start(config, StartOptions::default()).expect_err("refused");
        assert_eq!(error.code(), ErrorCode::Config, "{error}");
        assert!(error.to_string().contains(key), "{error}");
    };
    for bad in [
        "",
        "127.0.0.1",
        "::1",
        "[::1]",
        "https://acme.my.salesforce.com",
        "acme.my.salesforce.com:443",
        "acme..com",
        "-acme.com",
        "acme_1.com",
        "acme.com/path",
        "1.2.3",
        "ümlaut.com",
    ] {
        refused(
            EmulatorConfig {
                my_domain: bad.to_owned(),
                ..config()
            },
            "my_domain",
        );
    }
    // One consumer key, one app, whichever its kind.
    let mut twice = config();
    twice
        .external_client_apps
        .push(ExternalClientApp::new(CONNECTED_APP, app_certificate()));
    refused(twice, CONNECTED_APP);
    // With the flow on, the certificate must be there and hold an RSA key.
    let mut no_certificate = config();
    no_certificate
        .external_client_apps
        .push(ExternalClientApp::new("3MVG9nocert", ""));
    refused(no_certificate, "3MVG9nocert");
    let mut ec = config();
    ec.external_client_apps.push(ExternalClientApp::new(
        "3MVG9ec",
        read("certs/pem-ec.pem-ec.crt"),
    ));
    refused(ec, "RSA");
}

#[test]
fn external_client_apps_and_my_domain_read_from_json() {
    let config: EmulatorConfig = serde_json::from_str(&format!(
        r#"{{"my_domain":"acme.my.salesforce.test",
            "external_client_apps":[
              {{"consumer_key":"k1","certificate_pem":{pem}}},
              {{"consumer_key":"k2","certificate_pem":{pem},"permitted_users":"admin_approved",
                "permission_sets":["P"],"scopes":["api"],"name":"Two"}},
              {{"consumer_key":"k3","jwt_bearer_flow_enabled":false,
                "jwt_disabled_error":"e","jwt_disabled_error_description":"d"}}],
            "users":[{{"username":"u","permission_sets":["P"]}},{{"username":"v"}}]}}"#,
        pem = serde_json::to_string(&app_certificate()).expect("JSON string")
    ))
    .expect("valid JSON");
    assert_eq!(config.my_domain, "acme.my.salesforce.test");
    let [one, two, three] = &config.external_client_apps[..] else {
        panic!("three apps: {config:?}");
    };
    assert_eq!(*one, ExternalClientApp::new("k1", app_certificate()));
    assert_eq!(two.permitted_users, PermittedUsers::AdminApproved);
    assert_eq!(two.permission_sets, ["P"]);
    assert_eq!(two.scopes, ["api"]);
    assert_eq!(two.name.as_deref(), Some("Two"));
    assert!(!three.jwt_bearer_flow_enabled && three.certificate_pem.is_empty());
    assert_eq!(
        (
            three.jwt_disabled_error.as_str(),
            three.jwt_disabled_error_description.as_str()
        ),
        ("e", "d")
    );
    assert_eq!(config.users[0].permission_sets, ["P"]);
    assert!(config.users[1].permission_sets.is_empty());
    assert_eq!(EmulatorConfig::default().my_domain, "localhost");

    for bad in [
        r#"{"external_client_apps":[{"consumer_key":"k","certificate_pem":"x","permitted_users":"everyone"}]}"#,
        r#"{"external_client_apps":[{"consumer_key":"k"}]}"#,
        r#"{"external_client_apps":[{"consumer_key":"k","certificate_pem":"x","certificate_file":"y"}]}"#,
        r#"{"external_client_apps":[{"consumer_key":"k","certificate_pem":"x","admin_approved_only":true}]}"#,
    ] {
        assert!(
            serde_json::from_str::<EmulatorConfig>(bad).is_err(),
            "{bad}"
        );
    }
}

// --- Salesforce metadata -----------------------------------------------------------

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock")
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("sfjwt-eca-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        std::fs::write(&path, contents).expect("written");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const NS: &str = r#"xmlns="http://soap.sforce.com/2006/04/metadata""#;
const DEFAULT: &str = "force-app/main/default";

fn header_xml(label: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExternalClientApplication {NS}>
    <contactEmail>admin@example.com</contactEmail>
    <distributionState>Local</distributionState>
    <isProtected>false</isProtected>
    <label>{label}</label>
</ExternalClientApplication>
"#
    )
}

fn global_xml(app: &str, certificate: &str, consumer_key: Option<&str>) -> String {
    let key = consumer_key
        .map(|key| format!("    <consumerKey>{key}</consumerKey>\n"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppGlobalOauthSettings {NS}>
    <callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>
    <certificate>{certificate}</certificate>
{key}    <externalClientApplication>{app}</externalClientApplication>
    <isConsumerSecretOptional>true</isConsumerSecretOptional>
    <label>{app}</label>
</ExtlClntAppGlobalOauthSettings>
"#
    )
}

fn oauth_xml(app: &str, scopes: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthSettings {NS}>
    <commaSeparatedOauthScopes>{scopes}</commaSeparatedOauthScopes>
    <externalClientApplication>{app}</externalClientApplication>
    <label>{app}</label>
</ExtlClntAppOauthSettings>
"#
    )
}

fn policies_xml(app: &str, policy: &str, permission_sets: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthConfigurablePolicies {NS}>
    <commaSeparatedPermissionSet>{permission_sets}</commaSeparatedPermissionSet>
    <externalClientApplication>{app}</externalClientApplication>
    <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>
    <label>{app}</label>
    <permittedUsersPolicyType>{policy}</permittedUsersPolicyType>
</ExtlClntAppOauthConfigurablePolicies>
"#
    )
}

fn permission_set_xml(label: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet {NS}>
    <hasActivationRequired>false</hasActivationRequired>
    <label>{label}</label>
</PermissionSet>
"#
    )
}

/// An SFDX project with one admin-approved ECA, `Sfjwt_ETL`, as `sfjwt setup` writes
/// it: no consumer key (Salesforce makes one at deploy), the certificate escaped as
/// XML text, a permission set granting the app.
fn project(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.write(
        "sfdx-project.json",
        r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
    );
    dir.write(
        "manifest/package.xml",
        "<Package><version>64.0</version></Package>",
    );
    dir.write(
        &format!("{DEFAULT}/externalClientApps/Sfjwt_ETL.eca-meta.xml"),
        &header_xml("sfjwt ETL &amp; jobs"),
    );
    dir.write(
        &format!("{DEFAULT}/extlClntAppGlobalOauthSets/Sfjwt_ETL_glbloauth.ecaGlblOauth-meta.xml"),
        &global_xml("Sfjwt_ETL", &app_certificate(), None),
    );
    dir.write(
        &format!("{DEFAULT}/extlClntAppOauthSettings/Sfjwt_ETL_oauth.ecaOauth-meta.xml"),
        &oauth_xml("Sfjwt_ETL", "Api,RefreshToken"),
    );
    dir.write(
        &format!("{DEFAULT}/extlClntAppOauthPolicies/Sfjwt_ETL_oauthPlcy.ecaOauthPlcy-meta.xml"),
        &policies_xml(
            "Sfjwt_ETL",
            "AdminApprovedPreAuthorized",
            "Sfjwt_ETL_Access",
        ),
    );
    dir.write(
        &format!("{DEFAULT}/permissionsets/Sfjwt_ETL_Access.permissionset-meta.xml"),
        &permission_set_xml("sfjwt ETL access"),
    );
    dir
}

#[test]
fn an_app_loads_from_metadata_with_a_derived_consumer_key() {
    let dir = project("load");
    let metadata = AppMetadata::load(&dir.0).expect("metadata loads");
    assert_eq!(metadata.permission_sets, ["Sfjwt_ETL_Access"]);
    let [app] = &metadata.apps[..] else {
        panic!("one app: {metadata:?}");
    };
    assert_eq!(app.name.as_deref(), Some("Sfjwt_ETL"));
    assert_eq!(app.consumer_key, derived_consumer_key("Sfjwt_ETL"));
    assert_eq!(app.consumer_key.len(), 85);
    assert!(app.consumer_key.starts_with("3MVG9"));
    assert!(app.jwt_bearer_flow_enabled);
    assert_eq!(app.permitted_users, PermittedUsers::AdminApproved);
    assert_eq!(app.permission_sets, ["Sfjwt_ETL_Access"]);
    assert_eq!(app.scopes, ["api", "refresh_token", "offline_access"]);
    // XML reads the fixture's CRLF line ends as LF.
    assert_eq!(
        app.certificate_pem.trim(),
        app_certificate().replace("\r\n", "\n").trim()
    );

    // The org: the apps plus a user given the permission sets; a user without them
    // is refused as Salesforce refuses one the admin did not pre-authorize.
    let mut config = EmulatorConfig::default()
        .with_app_metadata(&dir.0)
        .expect("metadata loads");
    config.users.push(User::new("other@example.com"));
    config.assign_permission_sets(USER, &metadata.permission_sets);
    config.assign_permission_sets(USER, &metadata.permission_sets);
    assert_eq!(config.users[1].permission_sets, ["Sfjwt_ETL_Access"]);
    let emulator = start(config);
    let client = client(&emulator);
    let key = &app.consumer_key;
    let answer = json_of(post_token(
        &client,
        &emulator.my_domain_url(),
        &sign(key, USER, "https://localhost"),
    ));
    assert_token(&answer, &emulator.my_domain_url());
    let answer = json_of(post_token(
        &client,
        &emulator.my_domain_url(),
        &sign(key, "other@example.com", "https://localhost"),
    ));
    assert_refused(&answer, NOT_ASSIGNED);
    let answer = json_of(post_token(
        &client,
        &emulator.base_url(),
        &sign(key, USER, LOGIN),
    ));
    assert_refused(&answer, APP_NOT_FOUND);
}

#[test]
fn metadata_may_carry_its_consumer_key_a_bare_certificate_and_no_policies() {
    let dir = TempDir::new("variants");
    // Another layout and naming: files found by suffix, tied by their app element.
    dir.write(
        "apps/externalClientApps/Two.eca-meta.xml",
        &header_xml("Two"),
    );
    let bare: String = app_certificate()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    dir.write(
        "apps/extlClntAppGlobalOauthSets/Two.ecaGlblOauth-meta.xml",
        &global_xml("Two", &bare, Some("3MVG9given.key")),
    );
    dir.write(
        "apps/extlClntAppOauthSettings/Two.ecaOauth-meta.xml",
        // CDATA and odd spacing are still text.
        &oauth_xml("Two", "<![CDATA[ api , Web ]]>"),
    );
    // A hidden folder is not part of the project.
    dir.write(
        ".sfdx/externalClientApps/Ghost.eca-meta.xml",
        "not even XML",
    );
    let metadata = AppMetadata::load(&dir.0).expect("metadata loads");
    let [app] = &metadata.apps[..] else {
        panic!("one app: {metadata:?}");
    };
    assert_eq!(app.consumer_key, "3MVG9given.key");
    assert_eq!(app.permitted_users, PermittedUsers::AllUsers);
    assert!(app.permission_sets.is_empty() && metadata.permission_sets.is_empty());
    assert_eq!(app.scopes, ["api", "web"]);
    let emulator = start(EmulatorConfig {
        users: vec![User::new(USER)],
        ..EmulatorConfig::default()
            .with_app_metadata(&dir.0)
            .expect("loads")
    });
    let answer = json_of(post_token(
        &client(&emulator),
        &emulator.my_domain_url(),
        &sign("3MVG9given.key", USER, "https://localhost/"),
    ));
    assert_token(&answer, &emulator.my_domain_url());
}

#[test]
fn bad_metadata_is_a_config_error_naming_the_file() {
    let global =
        format!("{DEFAULT}/extlClntAppGlobalOauthSets/Sfjwt_ETL_glbloauth.ecaGlblOauth-meta.xml");
    let oauth = format!("{DEFAULT}/extlClntAppOauthSettings/Sfjwt_ETL_oauth.ecaOauth-meta.xml");
    let policies =
        format!("{DEFAULT}/extlClntAppOauthPolicies/Sfjwt_ETL_oauthPlcy.ecaOauthPlcy-meta.xml");
    let header = format!("{DEFAULT}/externalClientApps/Sfjwt_ETL.eca-meta.xml");
    let certificate = app_certificate();
    type Edit<'a> = Box<dyn Fn(&TempDir) -> PathBuf + 'a>;
    let cases: Vec<(&str, Edit<'_>, &str)> = vec![
        (
            "no certificate",
            Box::new(|dir| {
                dir.write(
                    &global,
                    &global_xml("Sfjwt_ETL", &certificate, None)
                        .replace(&format!("<certificate>{certificate}</certificate>"), ""),
                )
            }),
            "<certificate>",
        ),
        (
            "a certificate that is not one",
            Box::new(|dir| dir.write(&global, &global_xml("Sfjwt_ETL", "bm90IGEgY2VydA==", None))),
            "certificate",
        ),
        (
            "unparsable XML",
            Box::new(|dir| {
                dir.write(
                    &oauth,
                    "<ExtlClntAppOauthSettings><label>x</ExtlClntAppOauthSettings>",
                )
            }),
            "not valid XML",
        ),
        (
            "an unknown policy value",
            Box::new(|dir| dir.write(&policies, &policies_xml("Sfjwt_ETL", "AdminApproved", "P"))),
            "AdminApproved",
        ),
        (
            "a wrong root element",
            Box::new(|dir| dir.write(&header, &oauth_xml("Sfjwt_ETL", "Api"))),
            "root element",
        ),
        (
            "settings of an app that is not declared",
            Box::new(|dir| {
                dir.write(
                    &format!("{DEFAULT}/extlClntAppOauthSettings/Ghost.ecaOauth-meta.xml"),
                    &oauth_xml("Ghost", "Api"),
                )
            }),
            "Ghost",
        ),
        (
            "settings naming no app",
            Box::new(|dir| {
                dir.write(
                    &oauth,
                    &oauth_xml("Sfjwt_ETL", "Api").replace(
                        "<externalClientApplication>Sfjwt_ETL</externalClientApplication>",
                        "",
                    ),
                )
            }),
            "externalClientApplication",
        ),
        (
            "two global settings for one app",
            Box::new(|dir| {
                dir.write(
                    "elsewhere/Copy.ecaGlblOauth-meta.xml",
                    &global_xml("Sfjwt_ETL", &certificate, None),
                )
            }),
            "a second file",
        ),
        (
            "no global settings",
            Box::new(|dir| {
                let path = dir.0.join(&global);
                std::fs::remove_file(&path).expect("removed");
                dir.0.join(&header)
            }),
            "ExtlClntAppGlobalOauthSettings",
        ),
        (
            "no OAuth settings",
            Box::new(|dir| {
                std::fs::remove_file(dir.0.join(&oauth)).expect("removed");
                dir.0.join(&header)
            }),
            "ExtlClntAppOauthSettings",
        ),
    ];
    for (case, edit, words) in cases {
        let dir = project("bad");
        let file = edit(&dir);
        let error = AppMetadata::load(&dir.0).expect_err(case);
        assert_eq!(error.code(), ErrorCode::Config, "{case}: {error}");
        let message = error.to_string();
        assert!(
            message.contains(&file.display().to_string()),
            "{case}: {message}"
        );
        assert!(message.contains(words), "{case}: {message}");
        // The same through the config and the emulator: no panic anywhere.
        assert!(EmulatorConfig::default().with_app_metadata(&dir.0).is_err());
    }

    let empty = TempDir::new("empty");
    empty.write("force-app/main/default/classes/A.cls", "public class A {}");
    let error = AppMetadata::load(&empty.0).expect_err("no app");
    assert_eq!(error.code(), ErrorCode::Config);
    assert!(
        error.to_string().contains("no External Client App"),
        "{error}"
    );
    let missing = empty.0.join("missing");
    let error = AppMetadata::load(&missing).expect_err("no folder");
    assert_eq!(error.code(), ErrorCode::Config);
    assert!(error.to_string().contains("missing"), "{error}");
}
