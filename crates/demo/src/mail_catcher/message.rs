//! A caught message, and the little of RFC 5322/2045/2047 needed to show
//! it: the `Subject` (encoded words decoded) and a single-part text body
//! (base64 or quoted-printable decoded).

use base64::Engine;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct CaughtMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as received (headers and body).
    pub raw: String,
    pub subject: String,
    pub body: String,
}

impl CaughtMail {
    pub fn new(from: String, to: Vec<String>, raw: String) -> CaughtMail {
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .or_else(|| raw.split_once("\n\n"))
            .unwrap_or((raw.as_str(), ""));
        let headers = unfold(head);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let subject = decode_words(&header("Subject"));
        let body = match header("Content-Transfer-Encoding")
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default()
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_owned(),
        };
        CaughtMail {
            from,
            to,
            subject,
            body: body.replace("\r\n", "\n"),
            raw,
        }
    }

    /// Writes the message as an `.eml` file (best effort: the demo goes on).
    pub fn write_eml(&self, dir: &Path) {
        let name = format!(
            "{}-{}.eml",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0),
            self.to
                .first()
                .map(|t| t.replace(['/', '\\'], "_"))
                .unwrap_or_default()
        );
        if let Err(e) =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(dir.join(name), &self.raw))
        {
            tracing::warn!(error = %e, "mail catcher: cannot write the .eml file");
        }
    }
}

/// Header lines, continuation lines joined.
fn unfold(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // RFC 5322 §2.2.3: unfolding removes the line break only.
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn quoted_printable(s: &str) -> String {
    let mut bytes = Vec::with_capacity(s.len());
    let raw = s.replace("=\r\n", "").replace("=\n", "");
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        // Whitespace between two encoded words is not part of the text.
        if !(out.ends_with('\u{0}') && before.trim().is_empty()) {
            out.push_str(before);
        }
        let parts: Vec<&str> = word[2..].splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(word);
            return out.replace('\u{0}', "");
        };
        let text = &parts[2][..end];
        let decoded = match parts[1].to_ascii_lowercase().as_str() {
            "b" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default(),
            _ => quoted_printable(&text.replace('_', " ")),
        };
        out.push_str(&decoded);
        out.push('\u{0}');
        rest = &parts[2][end + 2..];
    }
    out.push_str(rest);
    out.replace('\u{0}', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_bodies_are_decoded() {
        let raw = "Subject: =?utf-8?b?Q29ubmV4aW9uIMOg?=\r\n =?utf-8?b?IEJlbGxldmlsbGU=?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nle 2 d=C3=A9cembre=\r\n 2026\r\n";
        let m = CaughtMail::new("a@b".into(), vec!["c@d".into()], raw.into());
        assert_eq!(m.subject, "Connexion à Belleville");
        assert_eq!(m.body, "le 2 décembre 2026\n");
        let folded = "Subject: Inscription à la cantine\r\n scolaire =?utf-8?b?w6A=?=\r\n =?utf-8?b?IEI=?=\r\n\r\n";
        let f = CaughtMail::new(String::new(), vec![], folded.into());
        assert_eq!(f.subject, "Inscription à la cantine scolaire à B");
        let b64 = "Content-Transfer-Encoding: base64\r\n\r\nw6l0w6k=\r\n";
        assert_eq!(
            CaughtMail::new(String::new(), vec![], b64.into()).body,
            "été"
        );
    }
}
