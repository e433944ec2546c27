//! Slow and idle clients against the real server loop (issue 12, findings 5 and 7), with short timeouts:
//!
//! - a client that drips its headers, or opens a connection and says nothing, is closed after the
//!   header timeout;
//! - a kept-alive connection may wait longer than the header timeout for its next request, and is
//!   closed after the idle timeout;
//! - a body that does not arrive in time is answered 408 `request_timeout` (problem+json);
//! - past the connection cap, a new connection waits until one closes;
//! - an over-long target or header section is 414 / 431 as problem+json.
//!
//! That other clients keep their latency meanwhile is measured in the benchmark harness, not here.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use winserve::server::{ServerSettings, serve};
use winserve_http::limits::LimitsConfig;

const HEADER_TIMEOUT: Duration = Duration::from_millis(400);
const IDLE_TIMEOUT: Duration = Duration::from_millis(1500);
const BODY_TIMEOUT: Duration = Duration::from_millis(500);

/// The app on a real socket with short timeouts and at most `max_connections`.
async fn start(max_connections: usize) -> (TestApp, SocketAddr) {
    let app = TestApp::with_options(
        LimitsConfig {
            body_timeout: BODY_TIMEOUT,
            ..LimitsConfig::without_rate_limit()
        },
        |ports| ports,
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let settings = ServerSettings {
        header_timeout: HEADER_TIMEOUT,
        idle_timeout: IDLE_TIMEOUT,
        max_connections,
        drain_timeout: Duration::from_secs(1),
    };
    tokio::spawn(serve(
        listener,
        app.router.clone(),
        settings,
        std::future::pending(),
    ));
    (app, address)
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Blocks until the server closes the connection (read gives 0 or a reset); how long that took.
fn time_until_closed(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("the connection was not closed: {e}"),
        }
    }
}

/// Reads one response with a `Content-Length` body: `(status, headers, body)`.
fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before a response");
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while data.len() < end + 4 + length {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "closed inside a body");
            data.extend_from_slice(&buf[..n]);
        }
        let status = head[9..12].parse().unwrap();
        return (status, head, data[end + 4..end + 4 + length].to_vec());
    }
}

fn live(stream: &mut TcpStream) -> u16 {
    stream
        .write_all(b"GET /v1/health/live HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    read_response(stream).0
}

fn assert_problem_body(head: &str, body: &[u8], code: &str) {
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["code"], code, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_clients_are_closed_after_the_header_timeout() {
    let (app, address) = start(64).await;
    tokio::task::spawn_blocking(move || {
        // Silent after connecting.
        let mut silent = connect(address);
        let waited = time_until_closed(&mut silent);
        assert!(waited < HEADER_TIMEOUT * 4, "silent: closed after {waited:?}");

        // One header byte every 100 ms: still dripping when the header timeout runs out.
        let mut drip = connect(address);
        let started = Instant::now();
        let request = b"GET /v1/health/live HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let mut closed = false;
        for byte in request {
            if drip.write_all(&[*byte]).is_err() {
                closed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            if started.elapsed() > HEADER_TIMEOUT * 4 {
                break;
            }
        }
        if !closed {
            time_until_closed(&mut drip);
        }
        assert!(
            started.elapsed() < HEADER_TIMEOUT * 4,
            "drip: still open after {:?}",
            started.elapsed()
        );
    })
    .await
    .unwrap();
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_alive_connections_wait_for_the_idle_timeout() {
    let (app, address) = start(64).await;
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(address);
        assert_eq!(live(&mut stream), 200);
        // Longer than the header timeout, shorter than the idle one: the connection is still usable.
        std::thread::sleep(HEADER_TIMEOUT * 2);
        assert_eq!(live(&mut stream), 200);
        let waited = time_until_closed(&mut stream);
        assert!(
            waited >= IDLE_TIMEOUT / 2 && waited < IDLE_TIMEOUT * 3,
            "idle: closed after {waited:?}"
        );
    })
    .await
    .unwrap();
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let (app, address) = start(64).await;
    let t = token("user_slow_body");
    // The user exists before the slow request, so that only the body is slow.
    assert_eq!(app.get("/v1/me", &t).await.0, axum::http::StatusCode::OK);
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(address);
        let head = format!(
            "POST /v1/campaigns HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {t}\r\n\
             content-type: application/json\r\ncontent-length: 40\r\n\r\n{{\"ballot"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let (status, head, body) = read_response(&mut stream);
        assert_eq!(status, 408, "{head}");
        assert_problem_body(&head, &body, "request_timeout");
        assert!(started.elapsed() < BODY_TIMEOUT * 6);
    })
    .await
    .unwrap();
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_new_connection_waits_for_a_free_slot() {
    let (app, address) = start(2).await;
    tokio::task::spawn_blocking(move || {
        let mut a = connect(address);
        let mut b = connect(address);
        assert_eq!(live(&mut a), 200);
        assert_eq!(live(&mut b), 200);
        // The third connection is accepted by the kernel but not served while a and b are open.
        let mut c = connect(address);
        c.write_all(b"GET /v1/health/live HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        c.set_read_timeout(Some(HEADER_TIMEOUT / 2)).unwrap();
        let mut buf = [0u8; 16];
        let early = c.read(&mut buf);
        assert!(
            matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
            "served past the cap: {early:?}"
        );
        drop(a);
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(read_response(&mut c).0, 200);
        drop(b);
    })
    .await
    .unwrap();
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_long_targets_and_header_sections_are_problems() {
    let (app, address) = start(64).await;
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(address);
        let long = "a".repeat(9000);
        stream
            .write_all(format!("GET /v1/positions?q={long} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
            .unwrap();
        let (status, head, body) = read_response(&mut stream);
        assert_eq!(status, 414);
        assert_problem_body(&head, &body, "uri_too_long");

        let mut stream = connect(address);
        let many: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
        stream
            .write_all(format!("GET /v1/health/live HTTP/1.1\r\nhost: x\r\n{many}\r\n").as_bytes())
            .unwrap();
        let (status, head, body) = read_response(&mut stream);
        assert_eq!(status, 431);
        assert_problem_body(&head, &body, "header_fields_too_large");

        let mut stream = connect(address);
        let big = "b".repeat(20 * 1024);
        stream
            .write_all(
                format!("GET /v1/health/live HTTP/1.1\r\nhost: x\r\nx-big: {big}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        let (status, head, body) = read_response(&mut stream);
        assert_eq!(status, 431);
        assert_problem_body(&head, &body, "header_fields_too_large");
    })
    .await
    .unwrap();
    app.cleanup().await;
}
