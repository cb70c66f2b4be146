//! Requests forged by another site. A browser attaches the session cookie to
//! any request for this host, whichever page makes it; SameSite=Strict stops
//! other sites but not sibling subdomains (`evil.example.org` is "same
//! site" as `salama.example.org`). So a request that changes something and
//! is authenticated by the cookie alone must show it comes from our own
//! pages: `Sec-Fetch-Site: same-origin`, or an `Origin` naming this host.
//! Bearer tokens are never sent by a browser on its own, so requests that
//! carry one are not affected.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if changes_state(request.method())
        && carries_session_cookie(request.headers())
        && !carries_bearer_token(request.headers())
        && !from_own_pages(request.headers())
    {
        return ApiError::CrossSite.into_response();
    }
    next.run(request).await
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn carries_session_cookie(headers: &HeaderMap) -> bool {
    crate::auth::session_cookie(headers).is_some()
}

fn carries_bearer_token(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("Bearer "))
}

/// `Sec-Fetch-Site` is set by the browser and cannot be forged by a page;
/// older browsers send only `Origin`, which must then name this host.
fn from_own_pages(headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site.eq_ignore_ascii_case("same-origin");
    }
    let (Some(origin), Some(host)) = (
        header(header::ORIGIN.as_str()),
        header(header::HOST.as_str()),
    ) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn own_pages_are_recognised_by_fetch_metadata_or_origin() {
        assert!(from_own_pages(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(from_own_pages(&headers(&[
            ("origin", "https://salama.example.org"),
            ("host", "salama.example.org")
        ])));
        assert!(from_own_pages(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
    }

    #[test]
    fn other_sites_and_unknown_provenance_are_not() {
        for refused in [
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "none")]),
            // Fetch metadata wins over an Origin that would match.
            headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://salama.example.org"),
                ("host", "salama.example.org"),
            ]),
            headers(&[
                ("origin", "https://evil.example.org"),
                ("host", "salama.example.org"),
            ]),
            headers(&[
                ("origin", "https://salama.example.org.evil.net"),
                ("host", "salama.example.org"),
            ]),
            headers(&[("origin", "null"), ("host", "salama.example.org")]),
            headers(&[("host", "salama.example.org")]),
            headers(&[]),
        ] {
            assert!(!from_own_pages(&refused), "{refused:?}");
        }
    }

    #[test]
    fn only_the_session_cookie_counts() {
        assert!(carries_session_cookie(&headers(&[(
            "cookie",
            "a=1; salama_session=sess_x"
        )])));
        assert!(!carries_session_cookie(&headers(&[(
            "cookie",
            "salama_session_other=1"
        )])));
        assert!(!carries_session_cookie(&headers(&[])));
    }
}
