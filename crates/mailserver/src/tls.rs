//! Certificates made at start-up: a lab CA and one server certificate it signs, with
//! rustls configurations for the servers and for clients that trust the CA. ring is the
//! only crypto provider.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::crypto::ring;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Why certificates or TLS configurations could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// rcgen could not make a key or certificate.
    #[error("making the {what} certificate: {source}")]
    Generate {
        /// Which certificate (`CA`, `server`).
        what: &'static str,
        /// rcgen's error.
        source: rcgen::Error,
    },
    /// rustls refused the configuration.
    #[error("building the {side} TLS configuration: {source}")]
    Config {
        /// `server` or `client`.
        side: &'static str,
        /// rustls's error.
        source: rustls::Error,
    },
}

/// A lab CA and a server certificate for `names`, made in memory.
#[derive(Debug)]
pub struct Pki {
    ca_der: CertificateDer<'static>,
    ca_pem: String,
    server_der: CertificateDer<'static>,
    server_key: Vec<u8>,
    names: Vec<String>,
}

impl Pki {
    /// Makes a CA and a server certificate whose subject alternative names are `names`
    /// (host names or IP addresses).
    pub fn generate(names: &[&str]) -> Result<Pki, TlsError> {
        let gen_err = |what| move |source| TlsError::Generate { what, source };
        let ca_key = KeyPair::generate().map_err(gen_err("CA"))?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(gen_err("CA"))?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "relaylab lab CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).map_err(gen_err("CA"))?;
        let issuer = Issuer::new(ca, ca_key);

        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let key = KeyPair::generate().map_err(gen_err("server"))?;
        let mut leaf = CertificateParams::new(names.clone()).map_err(gen_err("server"))?;
        leaf.distinguished_name.push(
            DnType::CommonName,
            names.first().map_or("relaylab", String::as_str),
        );
        let cert = leaf.signed_by(&key, &issuer).map_err(gen_err("server"))?;
        Ok(Pki {
            ca_der: ca_cert.der().clone(),
            ca_pem: ca_cert.pem(),
            server_der: cert.der().clone(),
            server_key: key.serialize_der(),
            names,
        })
    }

    /// The CA certificate (DER), for clients to trust.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// The CA certificate (PEM), for `swaks --tls-ca-path` or `openssl s_client -CAfile`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The names the server certificate is valid for.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A rustls server configuration with the server certificate (TLS 1.2 and 1.3, ring).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let err = |source| TlsError::Config {
            side: "server",
            source,
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let cfg = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(err)?
            .with_no_client_auth()
            .with_single_cert(vec![self.server_der.clone(), self.ca_der.clone()], key)
            .map_err(err)?;
        Ok(Arc::new(cfg))
    }

    /// A rustls client configuration that trusts only the lab CA.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let err = |source| TlsError::Config {
            side: "client",
            source,
        };
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_der.clone()).map_err(err)?;
        let cfg = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(err)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(cfg))
    }
}
