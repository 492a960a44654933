// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The emulator's own CA, its server certificate, and the mutual-TLS client check.
//!
//! A fresh CA per start means clients verify the server for real (they trust the CA
//! through `ca_file`) without any key material in the repository.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};

use sfjwt::{Error, Result};

/// The TLS material of one emulator run.
pub(crate) struct Tls {
    /// The CA certificate, PEM, for clients to trust.
    pub(crate) ca_pem: String,
    /// For the plain TLS port.
    pub(crate) server: Arc<ServerConfig>,
    /// For the mutual-TLS port, when configured.
    pub(crate) mtls: Option<Arc<ServerConfig>>,
}

fn internal(what: &str) -> impl Fn(rcgen::Error) -> Error + '_ {
    move |e| Error::Internal(format!("emulator TLS setup: {what}: {e}"))
}

impl Tls {
    /// Generates a CA and a server certificate for 127.0.0.1, localhost,
    /// [`crate::PROXIED_HOST`] (a name that tests reach through a proxy: clients never
    /// send loopback traffic to one) and the org's `my_domain` (a checked host name), so
    /// that clients verify each for real; with `mtls_allowed`, also a config that
    /// demands one of those client certificates.
    pub(crate) fn generate(
        mtls_allowed: Option<&[CertificateDer<'static>]>,
        my_domain: &str,
    ) -> Result<Tls> {
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "sfjwt emulator CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(internal("CA key"))?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(internal("CA"))?;

        let mut names = vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
            crate::PROXIED_HOST.to_owned(),
        ];
        if !names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(my_domain))
        {
            names.push(my_domain.to_owned());
        }
        let mut params =
            CertificateParams::new(names).map_err(internal("server certificate names"))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "sfjwt emulator");
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(internal("server key"))?;
        let cert = params
            .signed_by(&key, &ca)
            .map_err(internal("server certificate"))?;

        let chain = vec![cert.der().clone(), ca.der().clone()];
        let private_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());

        let server = server_config(&provider, chain.clone(), private_key.clone_key(), None)?;
        let mtls = mtls_allowed
            .map(|allowed| {
                let verifier = Arc::new(AllowListVerifier {
                    allowed: allowed.to_vec(),
                    algorithms: provider.signature_verification_algorithms,
                });
                server_config(&provider, chain, private_key, Some(verifier))
            })
            .transpose()?;
        Ok(Tls {
            ca_pem: ca.pem(),
            server,
            mtls,
        })
    }
}

fn server_config(
    provider: &Arc<CryptoProvider>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
) -> Result<Arc<ServerConfig>> {
    let tls_error = |e: rustls::Error| Error::Internal(format!("emulator TLS setup: {e}"));
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    let builder = match client_verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_client_cert_verifier(WebPkiClientVerifier::no_client_auth()),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(tls_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts exactly the configured client certificates, byte for byte — the emulator's
/// stand-in for Salesforce's "Mutual Authentication Certificates" list. Handshake
/// signatures are still verified, so presenting a certificate is not enough: the
/// client must hold its key.
#[derive(Debug)]
struct AllowListVerifier {
    allowed: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AllowListVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: clients offer whatever certificate they have.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> std::result::Result<ClientCertVerified, rustls::Error> {
        if self
            .allowed
            .iter()
            .any(|allowed| allowed.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
