// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt emulator --app-metadata DIR --user U` as a process: the org of a Salesforce DX
//! project, its External Client App's consumer key printed, a login through the My
//! Domain passing the connection test and one through the generic host refused.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

const APP: &str = "Sfjwt_ETL";
const NS: &str = r#"xmlns="http://soap.sforce.com/2006/04/metadata""#;

fn write(dir: &Path, relative: &str, contents: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// One admin-approved ECA without a consumer key, granted by one permission set.
fn project(dir: &Path) {
    let base = "force-app/main/default";
    let certificate = certificate("jks-same.talend_certificate");
    write(
        dir,
        &format!("{base}/externalClientApps/{APP}.eca-meta.xml"),
        &format!(
            "<ExternalClientApplication {NS}><contactEmail>a@example.com</contactEmail>\
             <distributionState>Local</distributionState><label>{APP}</label>\
             </ExternalClientApplication>"
        ),
    );
    write(
        dir,
        &format!("{base}/extlClntAppGlobalOauthSets/{APP}.ecaGlblOauth-meta.xml"),
        &format!(
            "<ExtlClntAppGlobalOauthSettings {NS}><certificate>{certificate}</certificate>\
             <externalClientApplication>{APP}</externalClientApplication>\
             <label>{APP}</label></ExtlClntAppGlobalOauthSettings>"
        ),
    );
    write(
        dir,
        &format!("{base}/extlClntAppOauthSettings/{APP}.ecaOauth-meta.xml"),
        &format!(
            "<ExtlClntAppOauthSettings {NS}><commaSeparatedOauthScopes>Api,RefreshToken\
             </commaSeparatedOauthScopes><externalClientApplication>{APP}\
             </externalClientApplication><label>{APP}</label></ExtlClntAppOauthSettings>"
        ),
    );
    write(
        dir,
        &format!("{base}/extlClntAppOauthPolicies/{APP}.ecaOauthPlcy-meta.xml"),
        &format!(
            "<ExtlClntAppOauthConfigurablePolicies {NS}>\
             <commaSeparatedPermissionSet>{APP}_Access</commaSeparatedPermissionSet>\
             <externalClientApplication>{APP}</externalClientApplication>\
             <label>{APP}</label>\
             <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>\
             </ExtlClntAppOauthConfigurablePolicies>"
        ),
    );
    write(
        dir,
        &format!("{base}/permissionsets/{APP}_Access.permissionset-meta.xml"),
        &format!("<PermissionSet {NS}><label>{APP} access</label></PermissionSet>"),
    );
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn test_connection(login_url: &str, audience: &str, issuer: &str, ca: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args(["test-connection", "--login-url", login_url])
        .args(["--audience", audience, "--issuer", issuer])
        .args(["--subject", USER, "--retries", "0", "--ca-file"])
        .arg(ca)
        .arg("--keystore-path")
        .arg(fixture("jks-same.jks"))
        .env_remove("SFJWT_SUBJECT")
        .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `sfjwt emulator --app-metadata <metadata> --user <user>` as a process, until stopped.
struct EmulatorProcess {
    child: Child,
    port: String,
    ca_file: PathBuf,
}

impl EmulatorProcess {
    fn start(dir: &Path, metadata: &Path, user: &str) -> EmulatorProcess {
        let (port_file, ca_file) = (dir.join("port"), dir.join("ca.pem"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .arg("emulator")
            .arg("--app-metadata")
            .arg(metadata)
            .args(["--user", user, "--port", "0", "--port-file"])
            .arg(&port_file)
            .arg("--ca-out")
            .arg(&ca_file)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !port_file.exists() {
            if let Some(exit) = child.try_wait().unwrap() {
                let mut stderr = String::new();
                std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
                    .unwrap();
                panic!("the emulator ended with {exit}: {stderr}");
            }
            assert!(Instant::now() < deadline, "no port file");
            std::thread::sleep(Duration::from_millis(20));
        }
        let port = std::fs::read_to_string(&port_file).unwrap();
        EmulatorProcess {
            child,
            port,
            ca_file,
        }
    }

    /// SIGTERM; a clean stop; what it printed on stderr.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                break exit;
            }
            assert!(Instant::now() < deadline, "no stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(exit.code(), Some(0));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        stderr
    }
}

#[test]
fn the_emulator_serves_the_org_of_a_metadata_folder_and_prints_the_consumer_key() {
    let dir = TempDir::new("emulator-metadata");
    let metadata = dir.0.join("project");
    project(&metadata);
    let emulator = EmulatorProcess::start(&dir.0, &metadata, USER);
    let (port, ca_file) = (emulator.port.clone(), emulator.ca_file.clone());
    let key = sfjwt_emulator::derived_consumer_key(APP);

    // Through the My Domain, with its URL as audience: the connection test passes.
    let my_domain = format!("https://localhost:{port}");
    let out = test_connection(&my_domain, &my_domain, &key, &ca_file);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Through the generic host, with login as audience: the ECA is not found.
    let generic = format!("https://127.0.0.1:{port}");
    let out = test_connection(&generic, "https://login.salesforce.com", &key, &ca_file);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("External client app is not installed in this org"),
        "{}",
        text(&out)
    );

    let stderr = emulator.stop();
    assert!(
        stderr.contains(&format!("External Client App {APP}: consumer key {key}\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("emulator listening on {generic}\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("emulator My Domain {my_domain}\n")),
        "{stderr}"
    );
}

/// The offline loop a new user can run: `sfjwt setup` makes the key, the keystore, the
/// External Client App's metadata and conn.properties; the emulator loads that metadata
/// as its org (the deploy, and `--user` for the permission set's assignment); its printed
/// consumer key goes into `issuer` (the copy from Setup), and `sfjwt test-connection`
/// with the generated conn.properties passes, pointed at the emulator's My Domain.
#[test]
fn setup_then_the_emulator_then_test_connection_is_one_offline_loop() {
    let dir = TempDir::new("setup-loop");
    let out_dir = dir.0.join("sfjwt-setup");
    let password = "loop-pass-4711";
    let setup = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .arg("setup")
        .arg("--out")
        .arg(&out_dir)
        .args(["--subject", USER, "--my-domain", "acme.my.salesforce.com"])
        .env("SFJWT_KEYSTORE_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let printed = text(&setup);
    assert_eq!(setup.status.code(), Some(0), "{printed}");
    assert!(!printed.contains(password), "{printed}");
    println!("--- sfjwt setup\n{printed}");

    let emulator = EmulatorProcess::start(&dir.0, &out_dir, USER);
    let my_domain = format!("https://localhost:{}", emulator.port);
    // The consumer key the emulator prints on start (checked below).
    let key = sfjwt_emulator::derived_consumer_key("sfjwt_integration");
    let conn = out_dir.join("conn.properties");
    let properties = std::fs::read_to_string(&conn).unwrap();
    assert!(
        properties.contains("my_domain=acme.my.salesforce.com"),
        "{properties}"
    );
    assert!(!properties.contains(password), "{properties}");
    // What the user does: fill in issuer; here the My Domain is the emulator's.
    let loop_conn = dir.write(
        "conn-emulator.properties",
        properties.replace(
            "my_domain=acme.my.salesforce.com",
            &format!("my_domain={my_domain}"),
        ) + &format!("issuer={key}\nca_file={}\n", emulator.ca_file.display()),
    );
    let run = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args(["test-connection", "--config"])
        .arg(&loop_conn)
        .env("SFJWT_KEYSTORE_PASSWORD", password)
        .env_remove("SFJWT_SUBJECT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report = text(&run);
    println!("--- sfjwt test-connection\n{report}");
    assert_eq!(run.status.code(), Some(0), "{report}");
    assert!(report.contains("Connection test PASSED"), "{report}");
    assert!(report.contains(&format!("aud {my_domain}")), "{report}");

    let stderr = emulator.stop();
    assert!(
        stderr.contains(&format!(
            "External Client App sfjwt_integration: consumer key {key}\n"
        )),
        "{stderr}"
    );
}

#[test]
fn the_emulator_needs_an_org_and_names_bad_metadata() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .arg("emulator")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // Neither --config nor --app-metadata: a usage error.
    let out = run(&["--user", USER]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let dir = TempDir::new("emulator-bad-metadata");
    project(&dir.0);
    let policies = dir.0.join(format!(
        "force-app/main/default/extlClntAppOauthPolicies/{APP}.ecaOauthPlcy-meta.xml"
    ));
    std::fs::write(&policies, "<ExtlClntAppOauthConfigurablePolicies>").unwrap();
    let out = run(&["--app-metadata", &dir.0.display().to_string()]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&policies.display().to_string()),
        "{}",
        text(&out)
    );
}
