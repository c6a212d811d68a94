//! Why a connection failed, in words a person acts on: the one reading of a transport
//! error that the client and a node's sync share, so that neither prints the TLS
//! library's debug form.

use std::error::Error;

/// What a failed connection means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens at the address (connection refused).
    NoListener,
    /// The other side's certificate does not verify under our CA; rustls' reason, e.g.
    /// `BadSignature`, `Expired`, `NotValidForName`.
    NotTrusted(String),
    /// The other side refused our certificate during the handshake; the TLS alert, e.g.
    /// `BadCertificate`, `CertificateExpired`, `DecryptError`.
    CertificateRefused(String),
    /// Anything else: the error and its causes, each said once.
    Other(String),
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectFailure::NoListener => f.write_str("nothing answers there (connection refused)"),
            ConnectFailure::NotTrusted(r) => write!(
                f,
                "its certificate does not verify under the CA we trust: {} ({r})",
                trust_words(r)
            ),
            ConnectFailure::CertificateRefused(a) => {
                write!(f, "it refused our certificate (TLS alert {a})")
            }
            ConnectFailure::Other(s) => f.write_str(s),
        }
    }
}

/// What rustls' reason for not trusting a certificate means (its variant name, e.g.
/// `BadSignature`, or its sentence, e.g. `certificate expired`).
pub fn trust_words(reason: &str) -> &'static str {
    let r = reason.to_ascii_lowercase().replace(' ', "");
    if r.contains("badsignature") || r.contains("unknownissuer") {
        "it is issued by another CA"
    } else if r.contains("expired") {
        "it has expired"
    } else if r.contains("notvalidyet") {
        "it is not valid yet"
    } else if r.contains("notvalidforname") {
        "it is not issued for this host name"
    } else if r.contains("revoked") {
        "it is revoked"
    } else {
        "it is not acceptable"
    }
}

/// Reads a transport error (and its causes).
pub fn classify(e: &(dyn Error + 'static)) -> ConnectFailure {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return ConnectFailure::NoListener;
        }
        cur = c.source();
    }
    classify_text(&error_chain(e))
}

/// Reads the text of an error already flattened (a status message).
pub fn classify_text(detail: &str) -> ConnectFailure {
    if let Some(reason) = after(detail, "invalid peer certificate:") {
        return ConnectFailure::NotTrusted(reason);
    }
    if let Some(alert) = after(detail, "received fatal alert:") {
        return ConnectFailure::CertificateRefused(alert);
    }
    ConnectFailure::Other(detail.to_owned())
}

/// `e` and its sources, joined with ": ", leaving out a cause whose words are already
/// said (many errors print their source in their own message).
pub fn error_chain(e: &(dyn Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// The word after `marker` in `text` (up to the next `:`).
fn after(text: &str, marker: &str) -> Option<String> {
    text.find(marker).map(|i| {
        let rest = &text[i + marker.len()..];
        rest.split(':').next().unwrap_or(rest).trim().to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_refusal_trust_and_alerts() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(classify(&refused), ConnectFailure::NoListener);
        assert_eq!(
            classify_text("transport error: invalid peer certificate: BadSignature"),
            ConnectFailure::NotTrusted("BadSignature".into())
        );
        assert_eq!(
            classify_text("tls: received fatal alert: DecryptError: more"),
            ConnectFailure::CertificateRefused("DecryptError".into())
        );
        assert_eq!(trust_words("BadSignature"), "it is issued by another CA");
        assert_eq!(trust_words("certificate expired"), "it has expired");
        assert_eq!(
            classify_text("dns error"),
            ConnectFailure::Other("dns error".into())
        );
    }

    #[test]
    fn a_cause_already_said_is_not_repeated() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "cannot read x: {}", self.0)
            }
        }
        impl Error for Outer {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::from(std::io::ErrorKind::NotFound));
        let s = error_chain(&e);
        assert_eq!(s.matches("not found").count(), 1, "{s}");
    }
}
