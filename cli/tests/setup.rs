// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt setup` as a process, checked with the real tools: the keystore opens in
//! keytool, openssl, a Java `KeyStore` and `sfjwt keystore inspect`; it uses the
//! algorithms Java 8 reads; the certificate fits Salesforce's 4 KB; the metadata is
//! well-formed XML with the Metadata API's root elements; existing files are kept
//! without `--force`; the password is never printed.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::TempDir;
use serde_json::Value;

/// A distinctive password, searched for in every output.
const PASSWORD: &str = "Setup-Pa55-qx7!";
const USER: &str = "etl.job@acme.example.com";
const APP: &str = "sfjwt_integration";
const METADATA_NS: &str = "{http://soap.sforce.com/2006/04/metadata}";

/// The result of one run.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "{self:?}");
        self.assert_no_password();
    }

    #[track_caller]
    fn assert_config_error(&self, key: &str) {
        assert_eq!(self.code, Some(1), "{self:?}");
        assert!(
            self.stderr
                .contains(&format!("error [CONFIG]: invalid setting '{key}'")),
            "{self:?}"
        );
        self.assert_no_password();
    }

    #[track_caller]
    fn assert_no_password(&self) {
        assert!(
            !self.stdout.contains(PASSWORD) && !self.stderr.contains(PASSWORD),
            "the password was printed: {self:?}"
        );
        for label in ["PRIVATE KEY", "BEGIN RSA"] {
            assert!(!self.stdout.contains(label), "a key was printed: {self:?}");
        }
    }
}

/// `sfjwt args...` with stdin from /dev/null and no inherited `SFJWT_*` variable.
fn sfjwt<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
    command.args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SFJWT_") {
            command.env_remove(&name);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("run sfjwt");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `sfjwt setup --out <dir> --subject USER extra...` with the password in the environment.
fn setup(out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "setup".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
        "--subject".to_owned(),
        USER.to_owned(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    sfjwt(&args, &[("SFJWT_KEYSTORE_PASSWORD", PASSWORD)])
}

/// A tool run with the password in `SETUP_TEST_PASSWORD` (never on its command line).
fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("SETUP_TEST_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program} (is it installed?): {e}"))
}

#[track_caller]
fn tool_ok(program: &str, args: &[&str]) -> String {
    let output = tool(program, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{program} {args:?} failed: {text}");
    text
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

fn keystore_entry(keystore: &Path) -> Value {
    let run = sfjwt(
        &[
            "keystore",
            "inspect",
            "--json",
            "--keystore-path",
            &path_arg(keystore),
        ],
        &[("SFJWT_KEYSTORE_PASSWORD", PASSWORD)],
    );
    run.assert_ok();
    let json: Value = serde_json::from_str(&run.stdout).expect("inspect JSON");
    let entries = json["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{json}");
    entries[0].clone()
}

/// The SHA-1 and SHA-256 fingerprints of a PEM certificate, as openssl prints them.
fn openssl_fingerprints(certificate: &Path) -> (String, String) {
    let fingerprint = |digest: &str| {
        let text = tool_ok(
            "openssl",
            &[
                "x509",
                "-noout",
                "-fingerprint",
                digest,
                "-in",
                &path_arg(certificate),
            ],
        );
        text.trim().rsplit('=').next().unwrap().to_owned()
    };
    (fingerprint("-sha1"), fingerprint("-sha256"))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

/// A Java program that loads a PKCS#12 file with `KeyStore.getInstance("PKCS12")`,
/// reads the key and the certificate, and signs and verifies with them.
const JAVA_LOADER: &str = r#"
import java.io.FileInputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;

public class LoadKeystore {
    public static void main(String[] args) throws Exception {
        char[] password = System.getenv("SETUP_TEST_PASSWORD").toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(args[0])) {
            store.load(in, password);
        }
        Key key = store.getKey(args[1], password);
        X509Certificate certificate = (X509Certificate) store.getCertificate(args[1]);
        byte[] data = {1, 2, 3};
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign((PrivateKey) key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        System.out.println("entries=" + store.size()
            + " keyEntry=" + store.isKeyEntry(args[1])
            + " algorithm=" + key.getAlgorithm()
            + " bits=" + ((RSAPrivateCrtKey) key).getModulus().bitLength()
            + " signature=" + certificate.getSigAlgName()
            + " subject=" + certificate.getSubjectX500Principal().getName()
            + " verified=" + verifier.verify(signature));
    }
}
"#;

/// The root element of each XML file, as Python's ElementTree parses it (which fails
/// on a file that is not well-formed).
fn xml_roots(files: &[PathBuf]) -> Vec<String> {
    let mut args = vec![
        "-c".to_owned(),
        "import sys, xml.etree.ElementTree as E\n\
         for p in sys.argv[1:]: print(E.parse(p).getroot().tag)"
            .to_owned(),
    ];
    args.extend(files.iter().map(|f| path_arg(f)));
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    tool_ok("python3", &arg_refs)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_pkcs12_keystore_opens_in_keytool_openssl_java_and_sfjwt() {
    let dir = TempDir::new("setup-p12");
    let out = dir.join("out");
    let run = setup(&out, &["--my-domain", "acme.my.salesforce.com"]);
    run.assert_ok();
    let keystore = out.join(format!("{APP}.p12"));
    let certificate = out.join(format!("{APP}.crt"));
    assert!(run.stdout.contains(&path_arg(&keystore)), "{run:?}");
    #[cfg(unix)]
    assert_eq!(mode(&keystore), 0o600);

    // keytool, the password through the environment.
    let listing = tool_ok(
        "keytool",
        &[
            "-list",
            "-v",
            "-keystore",
            &path_arg(&keystore),
            "-storetype",
            "PKCS12",
            "-storepass:env",
            "SETUP_TEST_PASSWORD",
        ],
    );
    assert!(
        listing.contains("Your keystore contains 1 entry"),
        "{listing}"
    );
    assert!(listing.contains(&format!("Alias name: {APP}")), "{listing}");
    assert!(listing.contains("Entry type: PrivateKeyEntry"), "{listing}");
    assert!(listing.contains("SHA256withRSA"), "{listing}");
    assert!(listing.contains("2048-bit RSA key"), "{listing}");

    // openssl: the certificate, and the algorithms Java 8 reads (no PBES2, no AES).
    let certs = tool_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &path_arg(&keystore),
            "-nokeys",
            "-passin",
            "env:SETUP_TEST_PASSWORD",
        ],
    );
    assert!(certs.contains("-----BEGIN CERTIFICATE-----"), "{certs}");
    assert!(certs.contains(&format!("subject=CN = {APP}")), "{certs}");
    let mut info = tool(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &path_arg(&keystore),
            "-info",
            "-noout",
            "-passin",
            "env:SETUP_TEST_PASSWORD",
        ],
    );
    if !info.status.success() {
        // OpenSSL 3 without its legacy provider loaded by default.
        info = tool(
            "openssl",
            &[
                "pkcs12",
                "-legacy",
                "-in",
                &path_arg(&keystore),
                "-info",
                "-noout",
                "-passin",
                "env:SETUP_TEST_PASSWORD",
            ],
        );
    }
    let info =
        String::from_utf8_lossy(&info.stderr).into_owned() + &String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("MAC: sha1"), "{info}");
    assert!(
        info.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{info}"
    );
    assert!(
        info.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{info}"
    );
    assert!(
        !info.contains("PBES2") && !info.to_lowercase().contains("aes"),
        "{info}"
    );

    // A Java KeyStore reads the key and the certificate, which belong together.
    let java = dir.write("LoadKeystore.java", JAVA_LOADER);
    let loaded = tool_ok("java", &[&path_arg(&java), &path_arg(&keystore), APP]);
    assert!(
        loaded.contains(&format!(
            "entries=1 keyEntry=true algorithm=RSA bits=2048 signature=SHA256withRSA subject=CN={APP} verified=true"
        )),
        "{loaded}"
    );

    // sfjwt keystore inspect, with the fingerprints openssl computes of the .crt.
    let entry = keystore_entry(&keystore);
    assert_eq!(entry["alias"], APP);
    assert_eq!(entry["kind"], "private_key");
    assert_eq!(entry["key_algorithm"], "RSA");
    assert_eq!(entry["key_bits"], 2048);
    let (sha1, sha256) = openssl_fingerprints(&certificate);
    assert_eq!(entry["sha1"], sha1.as_str());
    assert_eq!(entry["sha256"], sha256.as_str());
    assert!(
        run.stdout.contains(&sha256),
        "the fingerprint to compare: {run:?}"
    );

    // The certificate to upload: Salesforce takes at most 4 KB.
    let crt = std::fs::read_to_string(&certificate).expect("read .crt");
    assert!(crt.len() <= 4096, "{} bytes", crt.len());
    assert!(crt.starts_with("-----BEGIN CERTIFICATE-----\n"), "{crt}");
    assert!(!crt.contains("PRIVATE KEY"));

    // conn.properties: no password, the keys the login needs.
    let properties = std::fs::read_to_string(out.join("conn.properties")).expect("properties");
    assert!(!properties.contains(PASSWORD), "{properties}");
    assert!(!properties.contains("password="), "{properties}");
    for line in [
        "my_domain=acme.my.salesforce.com".to_owned(),
        format!("subject={USER}"),
        format!("keystore_path={}", path_arg(&keystore)),
        "keystore_type=pkcs12".to_owned(),
        format!("key_alias={APP}"),
        "#issuer=".to_owned(),
    ] {
        assert!(
            properties.lines().any(|l| l == line),
            "{line} in {properties}"
        );
    }
    assert!(
        properties.contains("Consumer Key and Secret"),
        "{properties}"
    );
}

#[test]
fn the_metadata_is_well_formed_source_format_for_the_external_client_app() {
    let dir = TempDir::new("setup-metadata");
    let out = dir.join("out");
    setup(
        &out,
        &["--name", "Acme_ETL", "--label", "Acme & ETL <jobs>"],
    )
    .assert_ok();
    let source = out.join("force-app/main/default");
    let components = [
        (
            "externalClientApps/Acme_ETL.eca-meta.xml",
            "ExternalClientApplication",
        ),
        (
            "extlClntAppGlobalOauthSets/Acme_ETL.ecaGlblOauth-meta.xml",
            "ExtlClntAppGlobalOauthSettings",
        ),
        (
            "extlClntAppOauthSettings/Acme_ETL.ecaOauth-meta.xml",
            "ExtlClntAppOauthSettings",
        ),
        (
            "extlClntAppOauthPolicies/Acme_ETL.ecaOauthPlcy-meta.xml",
            "ExtlClntAppOauthConfigurablePolicies",
        ),
        (
            "permissionsets/Acme_ETL.permissionset-meta.xml",
            "PermissionSet",
        ),
    ];
    let mut files: Vec<PathBuf> = components.iter().map(|(p, _)| source.join(p)).collect();
    files.push(out.join("manifest/package.xml"));
    let roots = xml_roots(&files);
    let mut expected: Vec<String> = components
        .iter()
        .map(|(_, root)| format!("{METADATA_NS}{root}"))
        .collect();
    expected.push(format!("{METADATA_NS}Package"));
    assert_eq!(roots, expected);

    let read = |path: &str| std::fs::read_to_string(source.join(path)).expect(path);
    let eca = read(components[0].0);
    assert!(
        eca.contains(&format!("<contactEmail>{USER}</contactEmail>")),
        "{eca}"
    );
    assert!(
        eca.contains("<distributionState>Local</distributionState>"),
        "{eca}"
    );
    assert!(
        eca.contains("<label>Acme &amp; ETL &lt;jobs&gt;</label>"),
        "{eca}"
    );

    let global = read(components[1].0);
    let crt = std::fs::read_to_string(out.join("acme_etl.crt")).expect("crt");
    assert!(
        global.contains(&format!("<certificate>{}</certificate>", crt.trim_end())),
        "the .crt in <certificate>: {global}"
    );
    assert!(global.contains("<externalClientApplication>Acme_ETL</externalClientApplication>"));
    assert!(global.contains("<callbackUrl>https://"), "{global}");
    assert!(
        !global.contains("consumerKey") && !global.contains("consumerSecret"),
        "{global}"
    );

    let settings = read(components[2].0);
    assert!(
        settings
            .contains("<commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes>"),
        "{settings}"
    );
    let policies = read(components[3].0);
    assert!(
        policies.contains(
            "<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"
        ),
        "{policies}"
    );
    assert!(
        policies.contains("<commaSeparatedPermissionSet>Acme_ETL</commaSeparatedPermissionSet>"),
        "{policies}"
    );
    let package = std::fs::read_to_string(out.join("manifest/package.xml")).expect("package");
    for (_, root) in components {
        assert!(
            package.contains(&format!(
                "<members>Acme_ETL</members>\n        <name>{root}</name>"
            )),
            "{root} in {package}"
        );
    }
    let project: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("sfdx-project.json")).expect("sfdx-project.json"),
    )
    .expect("sfdx-project.json is JSON");
    assert_eq!(project["packageDirectories"][0]["path"], "force-app");
    assert!(project["sourceApiVersion"].as_str().is_some());
}

#[test]
fn key_sizes_of_4096_are_made_and_1024_is_refused() {
    let dir = TempDir::new("setup-sizes");
    let out = dir.join("big");
    setup(&out, &["--key-size", "4096", "--cn", "Acme ETL 4096"]).assert_ok();
    let entry = keystore_entry(&out.join(format!("{APP}.p12")));
    assert_eq!(entry["key_bits"], 4096);
    assert_eq!(entry["subject"], "CN=Acme ETL 4096");
    let crt = std::fs::read(out.join(format!("{APP}.crt"))).expect("crt");
    assert!(crt.len() <= 4096, "{} bytes", crt.len());

    let small = dir.join("small");
    let run = setup(&small, &["--key-size", "1024"]);
    run.assert_config_error("key_size");
    assert!(run.stderr.contains("2048"), "{run:?}");
    assert!(!small.exists(), "nothing written for a refused key size");
    setup(&small, &["--key-size", "2049"]).assert_config_error("key_size");
}

#[test]
fn a_second_run_keeps_every_file_unless_forced() {
    let dir = TempDir::new("setup-force");
    let out = dir.join("out");
    setup(&out, &[]).assert_ok();
    let before = snapshot(&out);
    assert_eq!(before.len(), 10, "{:?}", before.keys());

    let run = setup(&out, &[]);
    run.assert_config_error("out");
    assert!(run.stderr.contains(&format!("{APP}.p12 exists")), "{run:?}");
    assert!(run.stderr.contains("--force"), "{run:?}");
    assert_eq!(snapshot(&out), before, "a refused run changed nothing");

    // One file left from an earlier run is enough to refuse, and it is named.
    let lone = dir.join("lone");
    std::fs::create_dir_all(lone.join("manifest")).unwrap();
    std::fs::write(lone.join("manifest/package.xml"), "mine").unwrap();
    let run = setup(&lone, &[]);
    run.assert_config_error("out");
    assert!(run.stderr.contains("package.xml exists"), "{run:?}");
    assert_eq!(snapshot(&lone).len(), 1);

    let run = setup(&out, &["--force"]);
    run.assert_ok();
    let after = snapshot(&out);
    assert_eq!(after.len(), 10, "{:?}", after.keys());
    let keystore = out.join(format!("{APP}.p12"));
    assert_ne!(after[&keystore], before[&keystore], "a new key");
    #[cfg(unix)]
    assert_eq!(mode(&keystore), 0o600);
    assert_eq!(keystore_entry(&keystore)["key_bits"], 2048);
}

#[test]
fn a_pem_keystore_is_read_by_sfjwt_and_openssl_through_conn_properties() {
    let dir = TempDir::new("setup-pem");
    let out = dir.join("out");
    let run = setup(&out, &["--keystore-type", "pem", "--key-alias", "etl-key"]);
    run.assert_ok();
    let keystore = out.join("etl-key.pem");
    #[cfg(unix)]
    assert_eq!(mode(&keystore), 0o600);
    let text = std::fs::read_to_string(&keystore).expect("pem");
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{text}"
    );
    assert!(text.contains("-----BEGIN CERTIFICATE-----"), "{text}");
    assert!(!text.contains("BEGIN PRIVATE KEY") && !text.contains("BEGIN RSA"));

    // conn.properties (no my_domain yet, so that the placeholder is a comment) is a
    // configuration sfjwt reads as it is.
    let properties = out.join("conn.properties");
    let written = std::fs::read_to_string(&properties).unwrap();
    assert!(written.contains("#my_domain="), "{written}");
    assert!(written.contains("Setup > My Domain"), "{written}");
    let run = sfjwt(
        &[
            "keystore",
            "inspect",
            "--json",
            "--config",
            &path_arg(&properties),
        ],
        &[("SFJWT_KEYSTORE_PASSWORD", PASSWORD)],
    );
    run.assert_ok();
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["format"], "pem");
    assert_eq!(json["entries"][0]["alias"], "etl-key");
    assert_eq!(json["entries"][0]["key_bits"], 2048);

    let key = tool_ok(
        "openssl",
        &[
            "pkey",
            "-in",
            &path_arg(&keystore),
            "-passin",
            "env:SETUP_TEST_PASSWORD",
            "-noout",
            "-text",
        ],
    );
    assert!(key.contains("Private-Key: (2048 bit"), "{key}");
    // sfjwt decrypts the key and signs with it; the wrong password is KEY_PASSWORD.
    let assertion = |password: &str| {
        sfjwt(
            &[
                "assertion",
                "--issuer",
                "3MVG9setup",
                "--config",
                &path_arg(&properties),
            ],
            &[("SFJWT_KEYSTORE_PASSWORD", password)],
        )
    };
    let run = assertion(PASSWORD);
    run.assert_ok();
    assert_eq!(run.stdout.trim().split('.').count(), 3, "a JWT: {run:?}");
    let run = assertion("not-the-password");
    assert_eq!(run.code, Some(15), "{run:?}");
}

#[test]
fn the_password_comes_from_a_file_the_environment_or_nowhere() {
    let dir = TempDir::new("setup-password");
    let file = dir.write("password.txt", format!("{PASSWORD}\nsecond line\n"));
    let out = dir.join("from-file");
    let run = sfjwt(
        &[
            "setup",
            "--out",
            &path_arg(&out),
            "--subject",
            USER,
            "--keystore-password-file",
            &path_arg(&file),
        ],
        &[],
    );
    run.assert_ok();
    // The first line is the password.
    let listing = tool_ok(
        "keytool",
        &[
            "-list",
            "-keystore",
            &path_arg(&out.join(format!("{APP}.p12"))),
            "-storetype",
            "PKCS12",
            "-storepass:env",
            "SETUP_TEST_PASSWORD",
        ],
    );
    assert!(listing.contains(APP), "{listing}");

    // Neither variable nor file, and no terminal to ask on.
    let none = dir.join("none");
    let run = sfjwt(
        &["setup", "--out", &path_arg(&none), "--subject", USER],
        &[],
    );
    run.assert_config_error("keystore_password");
    assert!(run.stderr.contains("SFJWT_KEYSTORE_PASSWORD"), "{run:?}");
    assert!(!none.exists());

    // An empty password, from the environment or a file, is refused.
    let run = sfjwt(
        &["setup", "--out", &path_arg(&none), "--subject", USER],
        &[("SFJWT_KEYSTORE_PASSWORD", "")],
    );
    run.assert_config_error("keystore_password");
    let empty = dir.write("empty.txt", "\n");
    let run = sfjwt(
        &[
            "setup",
            "--out",
            &path_arg(&none),
            "--subject",
            USER,
            "--keystore-password-file",
            &path_arg(&empty),
        ],
        &[],
    );
    run.assert_config_error("keystore_password");
    assert!(!none.exists());

    // No flag takes a password value.
    let run = sfjwt(
        &[
            "setup",
            "--out",
            &path_arg(&none),
            "--subject",
            USER,
            "--keystore-password",
            PASSWORD,
        ],
        &[],
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(!none.exists());
}

#[test]
fn bad_settings_are_config_errors_naming_the_setting() {
    let dir = TempDir::new("setup-bad");
    let out = dir.join("out");
    let cases: [(&[&str], &str); 11] = [
        (&["--name", "1app"], "name"),
        (&["--name", "my__app"], "name"),
        (&["--name", "my_app_"], "name"),
        (&["--name", "my-app"], "name"),
        (
            &["--my-domain", "http://acme.my.salesforce.com"],
            "my_domain",
        ),
        (
            &["--my-domain", "https://acme.my.salesforce.com/home"],
            "my_domain",
        ),
        (&["--validity-days", "0"], "validity_days"),
        (&["--validity-days", "100000"], "validity_days"),
        (&["--keystore-type", "jks"], "keystore_type"),
        (&["--key-alias", "../x"], "key_alias"),
        (&["--contact-email", "not an email"], "contact_email"),
    ];
    for (args, key) in cases {
        let run = setup(&out, args);
        run.assert_config_error(key);
        assert!(!out.exists(), "{args:?} wrote files");
    }
    let run = sfjwt(
        &["setup", "--out", &path_arg(&out)],
        &[("SFJWT_KEYSTORE_PASSWORD", PASSWORD)],
    );
    run.assert_config_error("subject");
}

#[test]
fn json_output_names_the_files_and_the_steps_that_remain() {
    let dir = TempDir::new("setup-json");
    let out = dir.join("out");
    let run = setup(&out, &["--json", "--name", "Etl_App"]);
    run.assert_ok();
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(json["ok"], true);
    assert_eq!(json["keystore"]["alias"], "etl_app");
    assert_eq!(json["keystore"]["type"], "pkcs12");
    assert_eq!(json["keystore"]["key_bits"], 2048);
    let certificate = json["certificate"]["path"].as_str().expect("path");
    assert!(Path::new(certificate).is_file());
    assert!(json["certificate"]["bytes"].as_u64().unwrap() <= 4096);
    assert_eq!(json["metadata"].as_array().unwrap().len(), 7);
    let steps: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let all = steps.join("\n");
    for needle in [
        "sf project deploy start --source-dir force-app --target-org",
        "JWT Bearer Flow",
        "Admin approved users are pre-authorized",
        &format!("sf org assign permset --name Etl_App --on-behalf-of {USER}"),
        "Consumer Key and Secret",
        "Setup > My Domain",
        "sfjwt test-connection --config",
    ] {
        assert!(all.contains(needle), "{needle} in {all}");
    }

    // A JSON error is JSON too.
    let run = setup(&out, &["--json"]);
    assert_eq!(run.code, Some(1));
    let error: Value = serde_json::from_str(&run.stdout).expect("JSON error");
    assert_eq!(error["ok"], false);
    assert_eq!(error["error"]["code"], "CONFIG");
}

/// Runs `sfjwt setup` on a terminal (`script` gives it a pseudo-terminal) and types
/// each answer once its prompt is shown; `None` when `script` is not installed.
fn setup_on_a_terminal(out: &Path, answers: &[&str]) -> Option<String> {
    use std::io::{Read, Write};
    let command = format!(
        "{} setup --out {} --subject {USER}",
        env!("CARGO_BIN_EXE_sfjwt"),
        out.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("SFJWT_KEYSTORE_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let mut stdin = child.stdin.take().expect("stdin");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for (n, answer) in answers.iter().enumerate() {
        let prompt = [
            "Password for the new keystore: ",
            "The same password again: ",
        ][n];
        while !seen.contains(prompt) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = receiver.recv_timeout(left).expect("the prompt");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        // rpassword turns the echo off just after it prints the prompt.
        std::thread::sleep(std::time::Duration::from_millis(300));
        stdin
            .write_all(format!("{answer}\n").as_bytes())
            .expect("type");
    }
    drop(stdin);
    while let Ok(chunk) = receiver.recv_timeout(std::time::Duration::from_secs(60)) {
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    child.wait().expect("wait");
    Some(seen)
}

#[test]
fn on_a_terminal_the_password_is_asked_twice_and_must_match() {
    let dir = TempDir::new("setup-prompt");
    let out = dir.join("out");
    let Some(output) = setup_on_a_terminal(&out, &["Tty-Pass-1x", "Tty-Pass-2x"]) else {
        eprintln!("skipped: no `script` to give sfjwt a terminal");
        return;
    };
    assert!(output.contains("the two passwords differ"), "{output}");
    assert!(!out.exists(), "nothing written: {output}");

    let output = setup_on_a_terminal(&out, &[PASSWORD, PASSWORD]).expect("script");
    assert!(output.contains("sfjwt setup wrote"), "{output}");
    // What the terminal shows is the prompt, then the output: the password only if the
    // terminal echoed it before rpassword switched the echo off, which a loaded machine
    // can make happen, so it is not asserted here (the other tests check sfjwt's own
    // output).
    let keystore = out.join(format!("{APP}.p12"));
    assert_eq!(keystore_entry(&keystore)["key_bits"], 2048);
}
