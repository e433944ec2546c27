//! The generated OpenAPI document equals the committed snapshot `tests/snapshots/openapi.json`, so any
//! change to the API's contract shows up in review. After an intended change, refresh the snapshot with
//! `UPDATE_SNAPSHOTS=1 cargo test -p winserve-http --test openapi_snapshot`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

fn update_requested() -> bool {
    std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1")
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let doc = winserve_http::router::openapi();
    let mut generated = serde_json::to_string_pretty(&doc).unwrap();
    generated.push('\n');
    let path = snapshot_path();
    if update_requested() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test -p winserve-http --test openapi_snapshot",
            path.display()
        )
    });
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        let show = |text: &str| {
            text.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "the OpenAPI document differs from {} from line {}:\n--- committed\n{}\n+++ generated\n{}\n\
             If the change is intended, run UPDATE_SNAPSHOTS=1 cargo test -p winserve-http --test openapi_snapshot",
            path.display(),
            first + 1,
            show(&committed),
            show(&generated)
        );
    }
}

#[test]
fn the_snapshot_is_valid_json_with_paths() {
    if update_requested() {
        return; // the other test is rewriting the file right now
    }
    let committed = std::fs::read_to_string(snapshot_path()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert!(value["paths"].as_object().is_some_and(|p| !p.is_empty()));
}

/// Query parameters are declared `in: query` (a document that said `in: path` for the filters of the
/// reference-data searches misled generated clients and schema-driven fuzzers; issue 12).
#[test]
fn query_parameters_are_declared_in_the_query() {
    let doc = serde_json::to_value(winserve_http::router::openapi()).unwrap();
    for path in ["/v1/positions", "/v1/districts"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(!params.is_empty(), "{path}");
        for p in params {
            assert_eq!(p["in"], "query", "{path}: {p}");
        }
    }
}
