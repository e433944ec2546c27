//! The HTTP/1.1 server loop: hyper under the axum router, with the limits a public server needs that
//! `axum::serve` does not offer (issue 12, finding 5) —
//!
//! - a **header timeout**: a request must arrive whole (line and headers) within it, counted from the
//!   connection's opening or from the first byte of a later request on a kept-alive connection;
//! - an **idle timeout**: a kept-alive connection with no request in progress is closed after it;
//! - a **cap on open connections**: past it, new connections wait in the kernel's accept queue;
//! - a **drain timeout**: on shutdown the listener closes at once, requests in flight may finish, and
//!   whatever is still open when it runs out is dropped.
//!
//! The body timeout (408) lives in the router (`winserve_http::limits`), where a slow body can be
//! answered with a problem instead of a dropped connection.

use axum::Router;
use axum::body::{Body, HttpBody};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::Service;

/// More header lines than the router's own limit (which answers 431 as problem+json): hyper's limit only
/// catches what the router never sees.
const HYPER_MAX_HEADERS: usize = 1000;

/// The server's connection settings (`WINSERVE_HEADER_TIMEOUT`, `WINSERVE_IDLE_TIMEOUT`,
/// `WINSERVE_MAX_CONNECTIONS`, `WINSERVE_DRAIN_TIMEOUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerSettings {
    /// How long a client may take to send a request's line and headers.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight.
    pub drain_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerSettings {
    /// How often a connection's deadlines are looked at: often enough that a timeout is late by a
    /// fraction of itself at most, rarely enough to cost nothing.
    fn tick(&self) -> Duration {
        (self.header_timeout.min(self.idle_timeout) / 4)
            .clamp(Duration::from_millis(20), Duration::from_secs(1))
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains (see the module's documentation).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServerSettings,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(connection(
            stream,
            app.clone(),
            settings,
            stopped.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.try_join_next().is_some() {}
    tracing::info!(
        open = connections.len(),
        "listener closed; finishing requests in flight"
    );
    let drained = tokio::time::timeout(settings.drain_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            dropped = connections.len(),
            "drain timeout reached; dropping the connections still open"
        );
        connections.abort_all();
    }
}

/// One connection, until it closes, times out or is told to stop.
async fn connection(
    stream: TcpStream,
    app: Router,
    settings: ServerSettings,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    metrics::gauge!("winserve_open_connections").increment(1.0);
    let phase = Arc::new(Phase::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        phase: phase.clone(),
    });
    let service = hyper::service::service_fn({
        let phase = phase.clone();
        move |request: hyper::Request<Incoming>| {
            phase.request_started();
            let mut app = app.clone();
            let guard = RequestGuard(phase.clone());
            async move {
                let response = match app.call(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Tracked {
                        inner: body,
                        _guard: guard,
                    })
                }))
            }
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .max_headers(HYPER_MAX_HEADERS)
        .header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = *stop.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let wake = phase
            .deadline(&settings)
            .map_or(Instant::now() + settings.tick(), |d| {
                d.min(Instant::now() + settings.tick())
            });
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                break;
            }
            () = tokio::time::sleep_until(wake) => {
                if let Some(reason) = phase.expired(&settings) {
                    // No request is in progress in either case, so dropping loses nothing.
                    tracing::debug!(reason, "closing a connection");
                    metrics::counter!("winserve_connections_timed_out_total", "reason" => reason)
                        .increment(1);
                    break;
                }
            }
            changed = stop.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
    metrics::gauge!("winserve_open_connections").decrement(1.0);
}

/// Where a connection is between requests, and since when (milliseconds after `opened`).
struct Phase {
    opened: Instant,
    state: AtomicU8,
    since_ms: AtomicU64,
    in_flight: AtomicU32,
}

/// Waiting for a request's line and headers (the header timeout runs).
const READING_HEAD: u8 = 0;
/// A request is being handled or its response sent (no connection timeout; the router's apply).
const BUSY: u8 = 1;
/// Kept alive between requests (the idle timeout runs).
const IDLE: u8 = 2;

impl Phase {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            state: AtomicU8::new(READING_HEAD),
            since_ms: AtomicU64::new(0),
            in_flight: AtomicU32::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn enter(&self, state: u8) {
        self.since_ms.store(self.now_ms(), Ordering::Relaxed);
        self.state.store(state, Ordering::Release);
    }

    /// Bytes arrived: on an idle connection they start the next request, and its header timeout.
    fn bytes_read(&self) {
        if self.state.load(Ordering::Acquire) == IDLE {
            self.enter(READING_HEAD);
        }
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.enter(BUSY);
    }

    fn request_finished(&self) {
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.enter(IDLE);
        }
    }

    /// When the current phase times out; none while busy.
    fn deadline(&self, settings: &ServerSettings) -> Option<Instant> {
        let limit = match self.state.load(Ordering::Acquire) {
            READING_HEAD => settings.header_timeout,
            IDLE => settings.idle_timeout,
            _ => return None,
        };
        let since = Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        Some(self.opened + since + limit)
    }

    /// Why the connection should close now, if it should.
    fn expired(&self, settings: &ServerSettings) -> Option<&'static str> {
        let deadline = self.deadline(settings)?;
        if Instant::now() < deadline {
            return None;
        }
        match self.state.load(Ordering::Acquire) {
            READING_HEAD => Some("header_timeout"),
            IDLE => Some("idle_timeout"),
            _ => None,
        }
    }
}

/// Marks the end of a request when its response body is dropped (fully sent, or the client went away).
struct RequestGuard(Arc<Phase>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that carries its request's guard.
struct Tracked {
    inner: Body,
    _guard: RequestGuard,
}

impl HttpBody for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, noting when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.phase.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ServerSettings {
        ServerSettings {
            header_timeout: Duration::from_millis(100),
            idle_timeout: Duration::from_millis(300),
            ..ServerSettings::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn phases_run_the_right_timeout() {
        let s = settings();
        let phase = Phase::new();
        assert_eq!(phase.expired(&s), None);
        tokio::time::advance(Duration::from_millis(150)).await;
        assert_eq!(phase.expired(&s), Some("header_timeout"));

        phase.request_started();
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(phase.expired(&s), None, "a busy connection never times out");

        phase.request_finished();
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(
            phase.expired(&s),
            None,
            "idle for less than the idle timeout"
        );
        phase.bytes_read();
        tokio::time::advance(Duration::from_millis(150)).await;
        assert_eq!(
            phase.expired(&s),
            Some("header_timeout"),
            "the next request's first byte starts the header timeout"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_times_out_after_the_idle_timeout() {
        let s = settings();
        let phase = Phase::new();
        phase.request_started();
        phase.request_finished();
        tokio::time::advance(Duration::from_millis(250)).await;
        assert_eq!(phase.expired(&s), None);
        tokio::time::advance(Duration::from_millis(100)).await;
        assert_eq!(phase.expired(&s), Some("idle_timeout"));
    }
}
