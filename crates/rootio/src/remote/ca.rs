//! The CA certificates trusted for `https://` and `roots://` besides Mozilla's: a PEM file or a
//! folder of them, by default the folder of the grid's `X509_CERT_DIR` (where grid machines
//! keep the IGTF CAs, and where `xrdcp` and davix look).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rustls::pki_types::CertificateDer;

/// The environment variable naming the extra CAs (a folder or a PEM file).
pub const CA_ENV: &str = "X509_CERT_DIR";

/// The extra CAs of the environment: `X509_CERT_DIR` when set and not empty.
pub fn from_env() -> Option<PathBuf> {
    std::env::var_os(CA_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Every certificate in the PEM file `ca`, or in the files of the folder `ca` (a CA folder
/// also holds hash links, CRLs and signing policies: what does not parse as PEM certificates is
/// skipped). At least one certificate must be found.
///
/// A grid CA folder holds a few hundred files, and every remote file opened needs them: they
/// are read once per process and kept while the folder's (or file's) modification time stays
/// the same.
pub fn load(ca: &Path) -> Result<Arc<Vec<CertificateDer<'static>>>, String> {
    type Entry = (
        PathBuf,
        Option<SystemTime>,
        Arc<Vec<CertificateDer<'static>>>,
    );
    static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    let stamp = std::fs::metadata(ca).and_then(|m| m.modified()).ok();
    if let Ok(cache) = CACHE.lock() {
        if let Some((_, _, certs)) = cache.iter().find(|(p, t, _)| p == ca && *t == stamp) {
            return Ok(certs.clone());
        }
    }
    let certs = Arc::new(read_certificates(ca)?);
    if let Ok(mut cache) = CACHE.lock() {
        cache.retain(|(p, _, _)| p != ca);
        cache.push((ca.to_path_buf(), stamp, certs.clone()));
    }
    Ok(certs)
}

fn read_certificates(ca: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let files: Vec<PathBuf> = if ca.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(ca)
            .map_err(|e| format!("cannot list the CA folder {}: {e}", ca.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        v
    } else {
        vec![ca.to_path_buf()]
    };
    let mut certs = Vec::new();
    for f in &files {
        let Ok(pem) = std::fs::read(f) else { continue };
        for item in ureq::tls::parse_pem(&pem).flatten() {
            if let ureq::tls::PemItem::Certificate(c) = item {
                certs.push(CertificateDer::from(c.der().to_vec()));
            }
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "no CA certificate found in {} (PEM files expected; set by {CA_ENV} or the \
             options' ca_bundle)",
            ca.display()
        ));
    }
    Ok(certs)
}

/// The hint added to a refused certificate's error.
pub const HINT: &str = " (for a private or grid CA, set X509_CERT_DIR to its PEM file or to a \
                        folder of its PEM certificates)";
