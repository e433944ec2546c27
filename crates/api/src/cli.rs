//! The commands of the `winserve` binary. Each returns a message for the user on failure.

use crate::auth::{Authenticator, Claims, now_ts};
use crate::config::Config;
use crate::import::{ImportError, positions};
use crate::local_pg::{self, PrivateCluster};
use crate::router::router;
use crate::state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use winserve_adapters_postgres as pg;
use winserve_ports::App;

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parses a lifetime such as `90s`, `30m`, `1h` or `7d` (a bare number is seconds).
pub fn parse_ttl(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (digits, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{value}' is not a lifetime such as 30m, 1h or 7d"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("'{value}' is not a lifetime such as 30m, 1h or 7d")),
    };
    if seconds == 0 {
        return Err("the lifetime must be positive".into());
    }
    Ok(Duration::from_secs(seconds))
}

/// Builds the authenticator from the configuration, or says which variable to set.
pub fn authenticator(config: &Config) -> Result<Authenticator, String> {
    Authenticator::new(
        config.jwt_secret.as_deref(),
        config.jwks_file.as_deref(),
        config.jwks_url.as_deref(),
        config.jwt_issuer.as_deref(),
    )
    .map_err(|e| e.to_string())
}

/// `winserve token`.
pub fn token(sub: &str, email: Option<&str>, ttl: &str) -> Result<(), String> {
    let config = Config::from_env();
    if config.jwt_secret.is_none() {
        return Err("set WINSERVE_JWT_SECRET to mint tokens".into());
    }
    let auth = authenticator(&config)?;
    let ttl = parse_ttl(ttl)?;
    let now = now_ts();
    let claims = Claims {
        sub: sub.to_owned(),
        exp: now + ttl.as_secs(),
        iat: Some(now),
        nbf: Some(now.saturating_sub(1)),
        iss: config.jwt_issuer.clone(),
        email: email.map(str::to_owned),
        ..Claims::default()
    };
    println!("{}", auth.mint(&claims)?);
    Ok(())
}

async fn prepare_database(url: &str) -> Result<(), String> {
    if pg::create_database_if_missing(url)
        .await
        .map_err(|e| format!("cannot create the database: {e}"))?
    {
        tracing::info!("created the database");
    }
    let applied = pg::run_migrations(url)
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    Ok(())
}

fn store(url: &str) -> Result<pg::PgStore, String> {
    let pool = pg::build_pool_with(url, pg::PoolConfig::default()).map_err(|e| format!("cannot configure the database pool: {e}"))?;
    Ok(pg::PgStore::new(pool))
}

/// `winserve migrate`.
pub async fn migrate() -> Result<(), String> {
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    println!("database ready: migrations applied");
    Ok(())
}

/// `winserve import positions`.
pub async fn import_positions(file: &str, rejects: Option<&str>) -> Result<(), String> {
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    let (rows, mut report) = positions::read_file(file, rejects).map_err(|e| e.to_string())?;
    let store = store(&config.database_url)?;
    report.stored = positions::store(&store, &rows)
        .await
        .map_err(|e: ImportError| e.to_string())?;
    println!(
        "imported {} positions from {} rows ({} rejected)",
        report.stored, report.rows, report.rejected
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Chooses the database: `DATABASE_URL`, else the default address when something answers there, else a
/// private cluster started for this run (returned so it can be stopped on exit).
fn choose_database(config: &mut Config) -> Result<Option<PrivateCluster>, String> {
    if config.database_url_from_env || local_pg::answers("127.0.0.1:5432") {
        return Ok(None);
    }
    let data = std::path::Path::new(".winserve/postgres");
    if local_pg::answers(&format!("127.0.0.1:{}", local_pg::PRIVATE_PORT)) {
        config.database_url = format!(
            "postgres://postgres@127.0.0.1:{}/winserve",
            local_pg::PRIVATE_PORT
        );
        return Ok(None);
    }
    eprintln!("No PostgreSQL answers on localhost:5432 and DATABASE_URL is unset: starting a private one.");
    let cluster = PrivateCluster::start(data)?;
    eprintln!(
        "Private PostgreSQL running on 127.0.0.1:{} with its data in {} (stopped when winserve exits).",
        local_pg::PRIVATE_PORT,
        cluster.data_dir().display()
    );
    config.database_url = cluster.database_url();
    Ok(Some(cluster))
}

/// `winserve serve`.
pub async fn serve(demo: bool, migrate: bool) -> Result<(), String> {
    let mut config = Config::from_env();
    let no_method = config.jwt_secret.is_none() && config.jwks_file.is_none() && config.jwks_url.is_none();
    if demo && no_method {
        // The demo prints a token, so it needs a secret; a random one keeps tokens from leaking across runs.
        config.jwt_secret = Some(uuid::Uuid::new_v4().simple().to_string());
        eprintln!("WINSERVE_JWT_SECRET is unset: using a random secret for this demo run.");
    }
    let auth = authenticator(&config)?;
    let cluster = choose_database(&mut config)?;
    let result = run_server(&config, auth, demo, migrate).await;
    if let Some(cluster) = cluster {
        cluster.stop();
    }
    result
}

async fn run_server(config: &Config, auth: Authenticator, demo: bool, migrate: bool) -> Result<(), String> {
    if migrate {
        prepare_database(&config.database_url).await?;
    }
    let ports = store(&config.database_url)?.ports();
    let state = AppState {
        app: App::new(ports),
        auth: Arc::new(auth),
    };
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    if demo {
        crate::demo::load_and_introduce(&state, config).await?;
    }
    tracing::info!(address = %config.bind, "winserve is listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;
    use std::time::Duration;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_ttl("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_ttl("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
    }
}
