//! The commands of the `winserve` binary. Each returns a [`CliError`] on failure, whose message is
//! the one the user reads.

use crate::config::{Config, ServeSettings, parse_ttl};
use crate::error::{CliError, SettingError};
use crate::local_pg::{self, PrivateCluster};
use crate::wiring;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;
use winserve_adapters_postgres as pg;
use winserve_application::{ImportOptions, Services};
use winserve_domain::StateCode;
use winserve_http::auth::{Authenticator, Claims, now_ts};
use winserve_http::clerk_webhook::WebhookVerifier;
use winserve_http::limits::{Limits, LimitsConfig};
use winserve_http::router::router;
use winserve_http::standard_webhooks::{HeaderNames, Verifier};
use winserve_http::state::AppState;
use winserve_voter_file::import::positions;
use winserve_voter_file::load::{self, VoterLoad};
use winserve_voter_file::seed::{self, SeedParams};

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Builds the authenticator from the configuration, or says which variable to set.
pub fn authenticator(config: &Config) -> Result<Authenticator, CliError> {
    Authenticator::new(
        config.jwt_secret.as_deref(),
        config.jwks_file.as_deref(),
        config.jwks_url.as_deref(),
        config.jwt_issuer.as_deref(),
    )
    .map_err(CliError::Authenticator)
}

/// `winserve token`.
pub fn token(sub: &str, email: Option<&str>, ttl: &str) -> Result<(), CliError> {
    let config = Config::from_env();
    if config.jwt_secret.is_none() {
        return Err(CliError::TokenSecretMissing);
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
    let token = auth
        .mint(&claims)
        .map_err(|reason| CliError::MintToken { reason })?;
    println!("{token}");
    Ok(())
}

async fn prepare_database(url: &str) -> Result<(), CliError> {
    if pg::create_database_if_missing(url)
        .await
        .map_err(CliError::CreateDatabase)?
    {
        tracing::info!("created the database");
    }
    let applied = pg::run_migrations(url)
        .await
        .map_err(CliError::MigrateDatabase)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    pg::run_data_upgrades(url)
        .await
        .map_err(CliError::MigrateDatabase)?;
    Ok(())
}

fn services(url: &str) -> Result<Services, CliError> {
    wiring::postgres_services(url).map_err(CliError::Pool)
}

/// `winserve migrate`.
pub async fn migrate() -> Result<(), CliError> {
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    println!("database ready: migrations applied");
    Ok(())
}

/// `winserve import positions`.
pub async fn import_positions(file: &str, rejects: Option<&str>) -> Result<(), CliError> {
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    let (rows, mut report) = positions::read_file(file, rejects).map_err(CliError::Positions)?;
    let services = services(&config.database_url)?;
    report.stored = positions::store(&services.imports, &rows)
        .await
        .map_err(CliError::Positions)?;
    println!(
        "imported {} positions from {} rows ({} rejected)",
        report.stored, report.rows, report.rejected
    );
    Ok(())
}

/// Progress of a long load: an indicatif bar on a terminal, a plain line every few seconds otherwise, or
/// nothing.
pub struct TerminalProgress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Instant,
}

impl TerminalProgress {
    /// A bar on stderr when it is a terminal, plain lines otherwise; `quiet` shows nothing.
    pub fn new(total: Option<u64>, quiet: bool) -> Self {
        let terminal = !quiet && std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let (bar, template) = match total {
                Some(n) => (
                    indicatif::ProgressBar::new(n),
                    "[{elapsed_precise}] {wide_bar} {human_pos}/{human_len} voters ({per_sec}, eta {eta})",
                ),
                None => (
                    indicatif::ProgressBar::new_spinner(),
                    "{spinner} [{elapsed_precise}] {human_pos} voters ({per_sec})",
                ),
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Self {
            bar,
            plain: !quiet && !terminal,
            total,
            done: 0,
            started: now,
            last_line: now,
        }
    }
}

impl load::Progress for TerminalProgress {
    fn add(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if self.plain && self.last_line.elapsed() >= Duration::from_secs(5) {
            self.last_line = Instant::now();
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            let of = self.total.map(|t| format!(" of {t}")).unwrap_or_default();
            eprintln!(
                "  {}{of} voters staged ({:.0} voters/s)",
                self.done,
                self.done as f64 / secs
            );
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_summary(load: &VoterLoad, options: ImportOptions) {
    let s = &load.summary;
    let removed = if options.replace_states {
        format!(", {} removed", s.voters_removed)
    } else {
        String::new()
    };
    let dry_run = if options.dry_run {
        "dry run, nothing was stored: "
    } else {
        ""
    };
    println!(
        "{dry_run}{} voters in {:.1} s ({:.0} voters/s): {} new, {} updated, {} unchanged{removed}; \
         {} districts created; {} memberships changed",
        s.voters_received,
        load.elapsed.as_secs_f64(),
        load.voters_per_second(),
        s.voters_inserted,
        s.voters_updated,
        s.voters_unchanged(),
        s.districts_created,
        s.memberships_changed
    );
}

/// How long an import waits for the read replica to replay what it stored.
const STANDBY_WAIT: Duration = Duration::from_secs(120);

/// With a read replica configured (`WINSERVE_READ_DATABASE_URL`, ADR 0025), waits until it has replayed
/// the import, so that once the command returns every read sees the new data; says so when it cannot.
async fn wait_for_standby(config: &Config) {
    let Some(standby) = &config.read_database_url else {
        return;
    };
    match pg::wait_for_replay(&config.database_url, standby, STANDBY_WAIT).await {
        Ok(true) => {}
        Ok(false) => eprintln!(
            "warning: the read replica has not replayed the import after {} s; reads from it serve the \
             previous data until it does",
            STANDBY_WAIT.as_secs()
        ),
        Err(e) => eprintln!(
            "warning: cannot check that the read replica replayed the import: {e}; reads from it may serve \
             the previous data for a while"
        ),
    }
}

/// `winserve import voters`.
pub async fn import_voters(
    file: &str,
    rejects: Option<&str>,
    options: ImportOptions,
) -> Result<(), CliError> {
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    let services = services(&config.database_url)?;
    let load = load::load_voter_file(
        &services.imports,
        file,
        rejects,
        options,
        &mut TerminalProgress::new(None, false),
    )
    .await?;
    if !options.dry_run {
        wait_for_standby(&config).await;
    }
    print_summary(&load, options);
    if rejects.is_some() {
        println!(
            "{} of {} rows rejected",
            load.report.rejected, load.report.rows
        );
    }
    Ok(())
}

/// `winserve seed`.
pub async fn seed(
    voters: u64,
    state: &str,
    rng_seed: u64,
    out: Option<&str>,
) -> Result<(), CliError> {
    let state = StateCode::new(state).map_err(CliError::InvalidState)?;
    let params = SeedParams {
        voters,
        state,
        rng_seed,
    };
    let config = Config::from_env();
    prepare_database(&config.database_url).await?;
    let services = services(&config.database_url)?;
    let plan = seed::plan(&params);
    let (districts, positions) = load::store_seed_plan(&services.imports, &plan).await?;
    println!("seed plan: {districts} districts, {positions} positions");
    let load = load::load_seed_voters(
        &services.imports,
        &params,
        &mut TerminalProgress::new(Some(params.voters), false),
    )
    .await?;
    wait_for_standby(&config).await;
    print_summary(&load, ImportOptions::default());
    if let Some(dir) = out {
        let started = Instant::now();
        let dir = std::path::Path::new(dir);
        std::fs::create_dir_all(dir).map_err(|source| CliError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let cannot_write = |path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| CliError::WriteFile { path, source }
        };
        let create = |name: &str| {
            let path = dir.join(name);
            std::fs::File::create(&path)
                .map(|f| (std::io::BufWriter::with_capacity(1 << 20, f), path.clone()))
                .map_err(cannot_write(&path))
        };
        let (file, path) = create("positions.csv")?;
        seed::write_positions_csv(file, &plan).map_err(cannot_write(&path))?;
        let (file, path) = create("voters.csv")?;
        let written = seed::write_voters_csv(file, &params, &plan).map_err(cannot_write(&path))?;
        println!(
            "wrote positions.csv and voters.csv ({written} voters) to {} in {:.1} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
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
fn choose_database(config: &mut Config) -> Result<Option<PrivateCluster>, CliError> {
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
    eprintln!(
        "No PostgreSQL answers on localhost:5432 and DATABASE_URL is unset: starting a private one."
    );
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
pub async fn serve(demo: bool, migrate: bool) -> Result<(), CliError> {
    let mut config = Config::from_env();
    let no_method =
        config.jwt_secret.is_none() && config.jwks_file.is_none() && config.jwks_url.is_none();
    if demo && no_method {
        // The demo prints a token, so it needs a secret; a random one keeps tokens from leaking across runs.
        config.jwt_secret = Some(uuid::Uuid::new_v4().simple().to_string());
        eprintln!("WINSERVE_JWT_SECRET is unset: using a random secret for this demo run.");
    }
    let auth = authenticator(&config)?;
    let settings = ServeSettings::from_env()?;
    let cluster = choose_database(&mut config)?;
    let result = run_server(&config, &settings, auth, demo, migrate).await;
    if let Some(cluster) = cluster {
        cluster.stop();
    }
    result
}

async fn run_server(
    config: &Config,
    settings: &ServeSettings,
    auth: Authenticator,
    demo: bool,
    migrate: bool,
) -> Result<(), CliError> {
    if migrate {
        prepare_database(&config.database_url).await?;
    }
    let (services, pool) = wiring::postgres_services_and_pool(
        &config.database_url,
        config.read_database_url.as_deref(),
        settings.search_cache_mb,
    )
    .map_err(CliError::Pool)?;
    if let Some(bind) = &settings.metrics_bind {
        crate::observability::serve(bind, crate::observability::install()?, pool).await?;
    }
    let limits = if demo {
        // The demo is one person trying things out: no rate limit in the way.
        LimitsConfig {
            rate_per_minute: 0,
            ..settings.limits
        }
    } else {
        settings.limits
    };
    let clerk_webhook = match config.clerk_webhook_secret.as_deref() {
        None => None,
        Some(secret) => Some(Arc::new(WebhookVerifier::new(secret).ok_or_else(|| {
            CliError::Setting(SettingError {
                variable: "WINSERVE_CLERK_WEBHOOK_SECRET",
                value: "(hidden)".into(),
                expected: "the endpoint's signing secret, whsec_ followed by base64",
            })
        })?)),
    };
    let sms_webhook = match config.sms_webhook_secret.as_deref() {
        None => None,
        Some(secret) => Some(Arc::new(
            Verifier::new(secret, HeaderNames::STANDARD).ok_or_else(|| {
                CliError::Setting(SettingError {
                    variable: "WINSERVE_SMS_WEBHOOK_SECRET",
                    value: "(hidden)".into(),
                    expected: "the endpoint's signing secret, whsec_ followed by base64",
                })
            })?,
        )),
    };
    crate::sms::spawn_delivery(services.polls.clone());
    let state = AppState {
        services,
        auth: Arc::new(auth),
        limits: Arc::new(Limits::new(limits)),
        clerk_webhook,
        sms_webhook,
    };
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|source| CliError::Listen {
            address: config.bind.clone(),
            source,
        })?;
    if demo {
        crate::demo::load_and_introduce(&state.services.imports, &state.auth, config).await?;
    }
    tracing::info!(address = %config.bind, "winserve is listening");
    crate::server::serve(listener, router(state), settings.server, shutdown_signal()).await;
    Ok(())
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
        let message = |value: &str| parse_ttl(value).unwrap_err().to_string();
        assert_eq!(
            message(" 1w "),
            "'1w' is not a lifetime such as 30m, 1h or 7d"
        );
        assert_eq!(message("h"), "'h' is not a lifetime such as 30m, 1h or 7d");
        assert_eq!(message("0"), "the lifetime must be positive");
    }
}
