//! The browser pages: the company's wallet (`/wallet`, 亮照) and the verifier's scan page
//! (`/verify`), the indicators (`/indicators`, authority and admin tokens), the API
//! document made readable (`/api`, on every node), with a small landing page at `/`. HTML, CSS and JS are embedded in the
//! binary at build time (`assets/`), need nothing beyond this server, and are served with
//! a Content-Security-Policy that allows no inline script and no other origin.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Problem;

/// Only this origin, plus `data:`/`blob:` images (QR codes, seal images) and camera streams.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ct:literal) => {
        Asset {
            name: $name,
            content_type: $ct,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $name)),
        }
    };
}

static ASSETS: [Asset; 14] = [
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("wallet.html", "text/html; charset=utf-8"),
    asset!("verify.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("ui.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("sdjwt.js", "text/javascript; charset=utf-8"),
    asset!("wallet.js", "text/javascript; charset=utf-8"),
    asset!("verify.js", "text/javascript; charset=utf-8"),
    asset!("indicators.html", "text/html; charset=utf-8"),
    asset!("indicators.js", "text/javascript; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("api.html", "text/html; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
];

/// A strong validator per asset (the first 16 bytes of its SHA-256), so that browsers
/// revalidate cheaply and never keep a stale script after an upgrade.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let d = ring::digest::digest(&ring::digest::SHA256, a.body);
            format!("\"{}\"", hex::encode(&d.as_ref()[..16]))
        })
        .collect()
});

/// Which pages a node serves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// An issuing node: the index, the wallet and the verifier's page.
    All,
    /// A verifier-only node: the verifier's page and the API page alone.
    VerifierOnly,
}

/// The page routes, to be merged into the API router.
pub fn routes<S: Clone + Send + Sync + 'static>(pages: Pages) -> Router<S> {
    let mut r = Router::new();
    if pages == Pages::All {
        r = r
            .route(
                "/",
                get(|h: HeaderMap| async move { serve("index.html", &h) }),
            )
            .route(
                "/wallet",
                get(|h: HeaderMap| async move { serve("wallet.html", &h) }),
            )
            .route(
                "/indicators",
                get(|h: HeaderMap| async move { serve("indicators.html", &h) }),
            );
    }
    r.route(
        "/verify",
        get(|h: HeaderMap| async move { serve("verify.html", &h) }),
    )
    .route(
        "/api",
        get(|h: HeaderMap| async move { serve("api.html", &h) }),
    )
    .route(
        "/assets/{name}",
        get(|Path(name): Path<String>, h: HeaderMap| async move { serve(&name, &h) }),
    )
    .layer(axum::middleware::map_response(security_headers))
}

fn serve(name: &str, req: &HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return Problem::not_found(format!("no asset {name:?}")).into_response();
    };
    let asset = &ASSETS[i];
    let etag = &ETAGS[i];
    let fresh = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = "text/html; charset=utf-8";
    const JS: &str = "text/javascript; charset=utf-8";

    #[test]
    fn every_asset_is_utf8_and_typed() {
        for a in &ASSETS {
            assert!(
                std::str::from_utf8(a.body).is_ok(),
                "{} is not UTF-8",
                a.name
            );
            if a.name.ends_with(".html") {
                assert_eq!(a.content_type, HTML);
                let text = std::str::from_utf8(a.body).expect("UTF-8 (checked above)");
                // No inline script: every <script> has a src (the CSP would block it anyway).
                for tag in text.split("<script").skip(1) {
                    let open = tag
                        .split('>')
                        .next()
                        .expect("split yields at least one piece");
                    assert!(open.contains("src=\"/assets/"), "{}: inline script", a.name);
                }
                assert!(!text.contains("style=\""), "{}: inline style", a.name);
                assert!(
                    !text.contains("http://") && !text.contains("https://"),
                    "{}: external URL",
                    a.name
                );
            }
            if a.name.ends_with(".js") {
                assert_eq!(a.content_type, JS);
            }
        }
    }

    #[test]
    fn scripts_import_only_embedded_modules() {
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(a.body).expect("assets are UTF-8");
            for line in text.lines().filter(|l| l.contains(" from '")) {
                let target = line
                    .split(" from '")
                    .nth(1)
                    .expect("the line has a from clause");
                let target = target
                    .trim_end_matches(['\'', ';'])
                    .trim_start_matches("./");
                assert!(
                    ASSETS.iter().any(|b| b.name == target),
                    "{} imports {target:?}, which is not embedded",
                    a.name
                );
            }
        }
    }
}
