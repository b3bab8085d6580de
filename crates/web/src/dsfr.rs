//! Serves the operator's copy of the State's design system (the `dist`
//! folder of the npm package `@gouvfr/dsfr`) at `/api/v2/assets/dsfr/…`:
//! only its stylesheet, fonts, icons and favicons, by a path checked piece
//! by piece (no `..`, no hidden file), from the folder `[ui] dsfr_dir`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;

/// At most this size per file (the stylesheet is ~730 KB).
const MAX_FILE: u64 = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct DsfrDir(pub Arc<PathBuf>);

fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1;
    Some(match ext {
        "css" => "text/css; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => return None,
    })
}

/// The path when it names a file Relais serves.
pub fn allowed(path: &str) -> bool {
    let top_ok = path == "dsfr.min.css"
        || ["fonts/", "icons/", "favicon/"]
            .iter()
            .any(|p| path.starts_with(p));
    top_ok
        && path.len() <= 200
        && content_type(path).is_some()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

pub async fn serve(State(dir): State<DsfrDir>, Path(path): Path<String>) -> Response {
    let Some(ctype) = content_type(&path).filter(|_| allowed(&path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = dir.0.join(&path);
    let small = tokio::fs::metadata(&file)
        .await
        .is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE);
    let Some(bytes) = (if small {
        tokio::fs::read(&file).await.ok()
    } else {
        None
    }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_design_systems_assets_are_served() {
        for ok in [
            "dsfr.min.css",
            "fonts/Marianne-Bold.woff2",
            "icons/system/close-line.svg",
            "favicon/favicon.ico",
        ] {
            assert!(super::allowed(ok), "{ok}");
        }
        for bad in [
            "../secret.css",
            "fonts/../../etc/passwd.css",
            "dsfr.module.js",
            "fonts/.hidden.woff2",
            "icons//x.svg",
            "other.css",
            "icons/a b.svg",
        ] {
            assert!(!super::allowed(bad), "{bad}");
        }
    }
}
