// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The RS256 assertion of the JWT Bearer flow (RFC 7523): header `{"alg":"RS256"}`,
//! claims `iss`, `sub`, `aud`, `exp`.
//!
//! jsonwebtoken's `encode` re-parses the DER key on every call, which halves the
//! throughput; [`AssertionSigner`] instead implements its [`JwtSigner`] trait over an
//! aws-lc key pair parsed once, when the keystore was read.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use jsonwebtoken::crypto::JwtSigner;
use serde::Serialize;
use signature::Signer;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::keystore::SigningKey;

/// base64url(`{"alg":"RS256"}`): Salesforce documents this exact header.
const HEADER_B64: &str = "eyJhbGciOiJSUzI1NiJ9";

/// The longest assertion lifetime accepted, in seconds.
pub const MAX_EXPIRATION_SECS: u32 = 3600;

/// The claims Salesforce reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The connected app's consumer key.
    pub iss: String,
    /// The Salesforce username.
    pub sub: String,
    /// Login, test or site URL.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
}

impl Claims {
    /// Claims for `config`, expiring `expiration_secs` after `now`.
    pub fn for_config(config: &Config, now: SystemTime) -> Result<Claims> {
        Claims::new(
            &config.issuer,
            &config.subject,
            &config.audience,
            config.expiration_secs,
            now,
        )
    }

    /// Claims expiring `expiration_secs` (1..=3600) after `now`.
    pub fn new(
        issuer: &str,
        subject: &str,
        audience: &str,
        expiration_secs: u32,
        now: SystemTime,
    ) -> Result<Claims> {
        if !(1..=MAX_EXPIRATION_SECS).contains(&expiration_secs) {
            return Err(Error::config(
                "expiration_secs",
                format!("{expiration_secs} is outside 1..={MAX_EXPIRATION_SECS}"),
            ));
        }
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::Internal("the system clock is before 1970".to_owned()))?;
        Ok(Claims {
            iss: issuer.to_owned(),
            sub: subject.to_owned(),
            aud: audience.to_owned(),
            exp: now.as_secs() + u64::from(expiration_secs),
        })
    }
}

/// A signed assertion. It is a credential until it expires: `Debug` redacts it and it
/// is zeroized on drop.
pub struct Assertion {
    jwt: Zeroizing<String>,
    expires_at: u64,
}

impl Assertion {
    /// The compact JWS (`header.claims.signature`).
    pub fn as_str(&self) -> &str {
        &self.jwt
    }

    /// The `exp` claim.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assertion")
            .field("jwt", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Signs assertions with one parsed key; cheap to call from many threads.
#[derive(Debug)]
pub struct AssertionSigner {
    key: SigningKey,
    rng: SystemRandom,
}

impl AssertionSigner {
    /// A signer over a decrypted key.
    pub fn new(key: SigningKey) -> AssertionSigner {
        AssertionSigner {
            key,
            rng: SystemRandom::new(),
        }
    }

    /// The key signed with.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Builds and signs an assertion for `claims`.
    pub fn sign(&self, claims: &Claims) -> Result<Assertion> {
        let claims_json = serde_json::to_vec(claims)
            .map_err(|e| Error::Internal(format!("claims do not serialize: {e}")))?;
        let mut jwt = Zeroizing::new(String::with_capacity(600));
        jwt.push_str(HEADER_B64);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims_json, &mut jwt);
        let signature = self
            .try_sign(jwt.as_bytes())
            .map_err(|e| Error::Internal(format!("RSA signing failed: {e}")))?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
        Ok(Assertion {
            jwt,
            expires_at: claims.exp,
        })
    }
}

impl Signer<Vec<u8>> for AssertionSigner {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let key_pair = self.key.key_pair();
        let mut signature = vec![0; key_pair.public_modulus_len()];
        key_pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature)
            .map_err(signature::Error::from_source)?;
        Ok(signature)
    }
}

impl JwtSigner for AssertionSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_constant_is_the_documented_header() {
        assert_eq!(
            URL_SAFE_NO_PAD.decode(HEADER_B64).unwrap(),
            br#"{"alg":"RS256"}"#
        );
    }

    #[test]
    fn expiration_is_bounded() {
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        assert_eq!(Claims::new("i", "s", "a", 180, now).unwrap().exp, 1_180);
        assert_eq!(Claims::new("i", "s", "a", 3600, now).unwrap().exp, 4_600);
        for bad in [0, 3601] {
            let err = Claims::new("i", "s", "a", bad, now).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Config);
        }
    }
}
