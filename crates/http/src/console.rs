//! The reference console (issue 17): plain HTML, CSS and JavaScript modules in `crates/http/console/`,
//! embedded in the binary and served at `/` (the page) and `/console/{file}` (its assets), each with a
//! strict Content-Security-Policy — only this origin's scripts and styles, no inline code, API calls to
//! this origin only. The console is a client of the public API like any other: what it shows of a
//! contact is what `/v1/contacts` sends (no party in Serve mode, because the server sends none).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The policy of every console response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// An embedded file: its name under `/console/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    body: &'static [u8],
}

macro_rules! assets {
    ($($name:literal => $media:literal),* $(,)?) => {
        &[$(Asset {
            name: $name,
            media_type: $media,
            body: include_bytes!(concat!("../console/", $name)),
        }),*]
    };
}

/// Every file of the console (a unit test checks that none of the directory is missing).
static ASSETS: &[Asset] = assets! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "dom.js" => "text/javascript; charset=utf-8",
    "view-contacts.js" => "text/javascript; charset=utf-8",
    "view-lifecycle.js" => "text/javascript; charset=utf-8",
    "view-outreach.js" => "text/javascript; charset=utf-8",
    "view-polls.js" => "text/javascript; charset=utf-8",
    "view-segments.js" => "text/javascript; charset=utf-8",
};

fn respond(asset: &Asset) -> Response {
    let mut response = (StatusCode::OK, asset.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.media_type),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The assets change with the binary: revalidate rather than serve a stale console.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// `GET /`: the console's page.
pub async fn index() -> Response {
    find("index.html").map_or_else(|| StatusCode::NOT_FOUND.into_response(), respond)
}

/// `GET /console/{file}`: one of its assets; anything else is 404 problem+json.
pub async fn asset(Path(name): Path<String>) -> Response {
    match find(&name).filter(|a| a.name != "index.html") {
        Some(asset) => respond(asset),
        None => crate::problem::ApiError::not_found("console file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_console_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/console");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".md") {
                continue;
            }
            assert!(
                find(&name).is_some(),
                "{name} is not embedded in console.rs"
            );
        }
    }

    #[test]
    fn pages_load_only_this_origins_files() {
        let page = std::str::from_utf8(find("index.html").unwrap().body).unwrap();
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(!page.contains("<style") && !page.contains(" style="));
        for asset in ASSETS {
            let text = std::str::from_utf8(asset.body).unwrap();
            // Assignments only: a comment may say why there are none.
            assert!(
                !text.contains("innerHTML =") && !text.contains(".innerHTML="),
                "{}",
                asset.name
            );
            assert!(!text.contains("insertAdjacentHTML"), "{}", asset.name);
            assert!(!text.contains("eval("), "{}", asset.name);
        }
    }
}
