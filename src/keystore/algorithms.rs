// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The key algorithms a keystore entry or a certificate may name: their OIDs, and the
//! names messages and `keystore inspect` give them.

pub(super) const RSA_OID: &str = "1.2.840.113549.1.1.1";
const EC_OID: &str = "1.2.840.10045.2.1";
const DSA_OID: &str = "1.2.840.10040.4.1";
const ED25519_OID: &str = "1.3.101.112";

/// A readable name for a key algorithm OID.
pub(super) fn algorithm_name(oid: &str) -> String {
    match oid {
        RSA_OID => "RSA".to_owned(),
        EC_OID => "EC".to_owned(),
        DSA_OID => "DSA".to_owned(),
        ED25519_OID => "Ed25519".to_owned(),
        other => format!("OID {other}"),
    }
}
