//! The connection of a session: plain TCP (`root://`), or TLS over it once the server said
//! `kXR_gotoTLS` (`roots://`).
//!
//! XRootD does not start TLS at connect time: the handshake and `kXR_protocol` go in the clear,
//! with `kXR_ableTLS | kXR_wantTLS`; a server configured with `xrd.tls` answers with the flag
//! `kXR_gotoTLS`, and both sides switch this same socket to TLS before the login (XrdCl's
//! `XRootDTransport::HandShake`; verified against xrootd 5.5.3, see
//! `../shared/research/remote-io.md`). The server's certificate is checked against Mozilla's CA
//! roots and [`super::XRootDOptions::ca_bundle`] (the grid's `X509_CERT_DIR` by default).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::XrdError;

/// A session's socket, in the clear or in TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    /// `root://`.
    Plain(TcpStream),
    /// `roots://`, after `kXR_gotoTLS`.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    /// A switch to TLS failed: the socket is gone.
    Closed,
}

impl Stream {
    fn tcp(&self) -> std::io::Result<&TcpStream> {
        match self {
            Stream::Plain(s) => Ok(s),
            Stream::Tls(s) => Ok(&s.sock),
            Stream::Closed => Err(closed()),
        }
    }

    /// The socket's read timeout (TLS reads go through it).
    pub fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        self.tcp()?.set_read_timeout(t)
    }

    /// The socket's write timeout.
    pub fn set_write_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        self.tcp()?.set_write_timeout(t)
    }

    /// Close our side: a TLS `close_notify` first, then the socket's write half.
    pub fn shutdown_write(&mut self) {
        if let Stream::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.conn.complete_io(&mut s.sock);
        }
        if let Ok(t) = self.tcp() {
            let _ = t.shutdown(Shutdown::Write);
        }
    }

    /// Switch a plain connection to TLS with the server `host` and finish the TLS handshake.
    pub fn start_tls(&mut self, config: Arc<ClientConfig>, host: &str) -> Result<(), XrdError> {
        let Stream::Plain(mut sock) = std::mem::replace(self, Stream::Closed) else {
            return Err(XrdError::Protocol("TLS started twice".into()));
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| XrdError::Fatal(format!("'{host}' cannot be checked by TLS: {e}")))?;
        let mut conn = ClientConnection::new(config, name)
            .map_err(|e| XrdError::Fatal(format!("TLS: {e}")))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).map_err(tls_error)?;
        }
        *self = Stream::Tls(Box::new(StreamOwned::new(conn, sock)));
        Ok(())
    }
}

fn closed() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotConnected, "the connection is closed")
}

/// A failed TLS handshake, with a hint when the certificate was refused.
fn tls_error(e: std::io::Error) -> XrdError {
    if super::session::is_timeout(&e) || e.kind() != std::io::ErrorKind::InvalidData {
        return XrdError::Io(e);
    }
    let hint = if e.to_string().contains("certificate") {
        crate::remote::ca::HINT
    } else {
        ""
    };
    XrdError::Fatal(format!("TLS handshake failed: {e}{hint}"))
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Err(closed()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(closed()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Err(closed()),
        }
    }
}

/// The TLS configuration of `roots://`: Mozilla's roots plus the certificates of `ca` (see
/// [`crate::remote::ca::load`]).
pub(crate) fn client_config(ca: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    if let Some(ca) = ca {
        let certs = crate::remote::ca::load(ca)?;
        let (added, _) = roots.add_parsable_certificates(certs.iter().cloned());
        if added == 0 {
            return Err(format!("no usable CA certificate in {}", ca.display()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
