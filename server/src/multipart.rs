//! A `multipart/form-data` body (RFC 7578) read into its parts: an XLSForm
//! uploaded with the files it names. The body is already whole in memory
//! and within the body limit when it gets here, so splitting it at its
//! boundary is all there is to do; a streaming reader (and the crates it
//! brings) would buy nothing.

use axum::body::Bytes;
use thiserror::Error;

/// Most parts read from one body.
pub const MAX_PARTS: usize = 32;

/// One part: its field name, its file name if it has one, its type, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MultipartError {
    #[error("the content type names no boundary (multipart/form-data; boundary=…)")]
    NoBoundary,
    #[error("the body does not start with its boundary")]
    NoFirstBoundary,
    #[error("a part's headers do not end")]
    UnendedHeaders,
    #[error("a part's headers are not text")]
    UnreadableHeaders,
    #[error("a part has no `Content-Disposition: form-data; name=…` header")]
    NoDisposition,
    #[error("the body ends before its closing boundary")]
    Unclosed,
    #[error("more than {MAX_PARTS} parts")]
    TooManyParts,
}

/// The boundary a `Content-Type: multipart/form-data; boundary=…` names.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let (media, parameters) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NoBoundary);
    }
    parameters_of(parameters)
        .into_iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value)
        // RFC 2046: 1 to 70 characters.
        .filter(|value| (1..=70).contains(&value.len()))
        .ok_or(MultipartError::NoBoundary)
}

/// `key=value; key="quoted; value"` pairs, quotes removed.
fn parameters_of(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([';', ' ', '\t']);
        let Some((key, after)) = rest.split_once('=') else {
            return pairs;
        };
        let key = key.trim().to_owned();
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((at, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = at + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end.min(quoted.len())..])
            }
            None => {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            }
        };
        pairs.push((key, value));
        rest = next;
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// The parts of `body`, split at `boundary`.
pub fn parts(body: &Bytes, boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let between = format!("\r\n--{boundary}");
    // A preamble may come before the first boundary.
    let first = if body.starts_with(delimiter.as_bytes()) {
        0
    } else {
        find(body, between.as_bytes(), 0).ok_or(MultipartError::NoFirstBoundary)? + 2
    };
    let mut at = first + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(at..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err(MultipartError::Unclosed);
        }
        if parts.len() == MAX_PARTS {
            return Err(MultipartError::TooManyParts);
        }
        let headers_start = at + 2;
        let headers_end =
            find(body, b"\r\n\r\n", headers_start).ok_or(MultipartError::UnendedHeaders)?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end])
            .map_err(|_| MultipartError::UnreadableHeaders)?;
        let content_start = headers_end + 4;
        let content_end =
            find(body, between.as_bytes(), content_start).ok_or(MultipartError::Unclosed)?;
        let mut part = Part {
            name: String::new(),
            file_name: None,
            content_type: None,
            bytes: body.slice(content_start..content_end),
        };
        let mut disposed = false;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key.eq_ignore_ascii_case("content-disposition") {
                let (kind, parameters) = value.split_once(';').unwrap_or((value, ""));
                if !kind.trim().eq_ignore_ascii_case("form-data") {
                    continue;
                }
                for (key, value) in parameters_of(parameters) {
                    if key.eq_ignore_ascii_case("name") {
                        part.name = value;
                        disposed = true;
                    } else if key.eq_ignore_ascii_case("filename") {
                        part.file_name = Some(value);
                    }
                }
            } else if key.eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_owned());
            }
        }
        if !disposed {
            return Err(MultipartError::NoDisposition);
        }
        parts.push(part);
        at = content_end + between.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_is_read_quoted_or_not() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Ok("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\"").as_deref(),
            Ok("a b;c")
        );
        assert_eq!(
            boundary("multipart/form-data"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            boundary("text/plain; boundary=x"),
            Err(MultipartError::NoBoundary)
        );
    }

    #[test]
    fn parts_are_split_at_the_boundary_with_their_names() {
        let body = Bytes::from_static(
            b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"workbook\"; filename=\"form.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\x03\x04\r\n--X\r\n--XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"towns.csv\"\r\n\r\nname,label\r\ngoma,Goma\r\n--XyZ--\r\n",
        );
        let parts = parts(&body, "XyZ").expect("two parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "workbook");
        assert_eq!(parts[0].file_name.as_deref(), Some("form.xlsx"));
        assert_eq!(
            parts[0].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(&parts[0].bytes[..], b"PK\x03\x04\r\n--X");
        assert_eq!(parts[1].file_name.as_deref(), Some("towns.csv"));
        assert_eq!(&parts[1].bytes[..], b"name,label\r\ngoma,Goma");
    }

    #[test]
    fn broken_bodies_are_refused_not_guessed() {
        let part = "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
        let unclosed = Bytes::from(part.to_owned());
        assert_eq!(parts(&unclosed, "b"), Err(MultipartError::Unclosed));
        let anonymous = Bytes::from_static(b"--b\r\nContent-Type: text/csv\r\n\r\nx\r\n--b--");
        assert_eq!(parts(&anonymous, "b"), Err(MultipartError::NoDisposition));
        let endless = Bytes::from_static(b"--b\r\nContent-Disposition: form-data; name=\"f\"");
        assert_eq!(parts(&endless, "b"), Err(MultipartError::UnendedHeaders));
        let many = format!("{}--b--", part.repeat(MAX_PARTS + 1));
        assert_eq!(
            parts(&Bytes::from(many), "b"),
            Err(MultipartError::TooManyParts)
        );
        assert_eq!(
            parts(&Bytes::from_static(b"nothing"), "b"),
            Err(MultipartError::NoFirstBoundary)
        );
    }
}
