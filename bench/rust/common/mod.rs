// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What the bench targets share.

/// (label, file, store password, key password): the fixtures of tests/fixtures/README.md,
/// one per keystore format.
pub const FORMATS: [(&str, &str, &str, &str); 5] = [
    ("jks", "jks-diffkey.jks", "changeit1", "keypass2"),
    ("jceks", "jceks.jceks", "changeit1", "keypass2"),
    (
        "pkcs12_keytool",
        "p12-keytool.p12",
        "changeit1",
        "changeit1",
    ),
    (
        "pkcs12_openssl",
        "p12-openssl.p12",
        "changeit1",
        "changeit1",
    ),
    ("pem", "pem-pkcs8.pem", "", ""),
];
