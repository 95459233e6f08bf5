//! `root://[user@]host[:port]//path[?cgi]` URLs (and `roots://`, the same over TLS).
//!
//! XRootD wants absolute paths: `root://host:1094/f.root` (one slash) is answered with error
//! 3010 "Opening relative path is disallowed" by a 5.5 server, so a path without its leading
//! slash is made absolute here (as `xrdcp` users expect from the one-slash spelling).

/// The default XRootD port.
pub(crate) const DEFAULT_PORT: u16 = 1094;

/// A parsed `root://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XrdUrl {
    /// The user name given in the URL, if any.
    pub user: Option<String>,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// The absolute path on the server.
    pub path: String,
    /// The opaque CGI after `?`, if any (without the `?`).
    pub cgi: Option<String>,
    /// `roots://`: the connection is switched to TLS before logging in.
    pub tls: bool,
}

/// Why a URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// What is wrong with it.
    Invalid(String),
}

impl XrdUrl {
    /// Parse `root://`, `xroot://`, `roots://` or `xroots://` URLs.
    pub fn parse(url: &str) -> Result<XrdUrl, UrlError> {
        let (rest, tls) = if let Some(r) = url
            .strip_prefix("root://")
            .or_else(|| url.strip_prefix("xroot://"))
        {
            (r, false)
        } else if let Some(r) = url
            .strip_prefix("roots://")
            .or_else(|| url.strip_prefix("xroots://"))
        {
            (r, true)
        } else {
            return Err(UrlError::Invalid(
                "not a root:// URL (expected root://host[:port]//path)".into(),
            ));
        };
        if url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(UrlError::Invalid(
                "URL contains spaces or control characters".into(),
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => {
                // `user:password@`: the password has no use without an authentication protocol.
                let u = u.split(':').next().unwrap_or("");
                ((!u.is_empty()).then(|| u.to_string()), h)
            }
            None => (None, authority),
        };
        let (host, port) = parse_host_port(hostport)?;
        let (path, cgi) = match path.split_once('?') {
            Some((p, c)) => (p, (!c.is_empty()).then(|| c.to_string())),
            None => (path, None),
        };
        let path = path.trim_start_matches('/');
        if path.is_empty() {
            return Err(UrlError::Invalid(
                "no file path (expected root://host[:port]//path)".into(),
            ));
        }
        Ok(XrdUrl {
            user,
            host,
            port,
            path: format!("/{path}"),
            cgi,
            tls,
        })
    }

    /// The path with the URL's CGI and `extra` CGI (from a redirect) as sent in `kXR_open`.
    pub fn path_with_cgi(&self, extra: Option<&str>) -> String {
        let parts: Vec<&str> = self.cgi.as_deref().into_iter().chain(extra).collect();
        if parts.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, parts.join("&"))
        }
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
pub(crate) fn parse_host_port(s: &str) -> Result<(String, u16), UrlError> {
    let (host, port) = if let Some(r) = s.strip_prefix('[') {
        let Some((h, after)) = r.split_once(']') else {
            return Err(UrlError::Invalid(format!("unclosed '[' in host {s:?}")));
        };
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(UrlError::Invalid(format!("bad host {s:?}"))),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::Invalid("no host name".into()));
    }
    let port = match port {
        None | Some("") => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(UrlError::Invalid(format!("bad port {p:?}"))),
        },
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> XrdUrl {
        XrdUrl::parse(s).unwrap()
    }

    #[test]
    fn urls() {
        let u = p("root://eos.cern.ch//eos/f.root");
        assert_eq!(
            u,
            XrdUrl {
                user: None,
                host: "eos.cern.ch".into(),
                port: 1094,
                path: "/eos/f.root".into(),
                cgi: None,
                tls: false
            }
        );
        let u = p("root://me@127.0.0.1:11094//a/b.root?x=1&y=2");
        assert_eq!(u.user.as_deref(), Some("me"));
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 11094));
        assert_eq!(u.path, "/a/b.root");
        assert_eq!(u.cgi.as_deref(), Some("x=1&y=2"));
        assert_eq!(u.path_with_cgi(None), "/a/b.root?x=1&y=2");
        assert_eq!(
            u.path_with_cgi(Some("tried=h")),
            "/a/b.root?x=1&y=2&tried=h"
        );
        // One slash: made absolute.
        assert_eq!(p("root://h:1/f.root").path, "/f.root");
        assert_eq!(p("xroot://h///f.root").path, "/f.root");
        assert_eq!(p("root://h//f.root").path_with_cgi(Some("a")), "/f.root?a");
        let u = p("root://[::1]:2000//f");
        assert_eq!((u.host.as_str(), u.port), ("::1", 2000));
        assert_eq!(p("root://[::1]//f").port, 1094);
        assert_eq!(p("root://u:pw@h//f").user.as_deref(), Some("u"));
    }

    #[test]
    fn bad_urls() {
        assert!(p("roots://h//f").tls && p("xroots://h//f").tls && !p("root://h//f").tls);
        for bad in [
            "http://h/f",
            "root://",
            "root://h",
            "root://h//",
            "root://:1094//f",
            "root://h:0//f",
            "root://h:99999//f",
            "root://h:x//f",
            "root://[::1//f",
            "root://[::1]x//f",
            "root://h//a b",
            "root://h//a\nb",
        ] {
            assert!(
                matches!(XrdUrl::parse(bad), Err(UrlError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
