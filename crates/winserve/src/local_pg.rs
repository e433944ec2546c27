//! A private PostgreSQL cluster for newcomers: when `DATABASE_URL` is unset and nothing answers at the
//! default address, `winserve serve` starts one from the locally installed server binaries in a data
//! directory of its own, and stops it on exit.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The port of the private cluster (chosen to stay clear of a system cluster on 5432).
pub const PRIVATE_PORT: u16 = 54329;

/// Why the private cluster could not be started (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum LocalPgError {
    /// No PostgreSQL server binaries are installed.
    #[error(
        "no PostgreSQL is running on localhost:5432 and no PostgreSQL server is installed. \
         Install one (Debian/Ubuntu: `apt-get install postgresql`), or set DATABASE_URL."
    )]
    NotInstalled,
    /// The data directory could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDataDir {
        /// The data directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The data directory could not be resolved to an absolute path.
    #[error("cannot use {}: {source}", path.display())]
    UseDataDir {
        /// The data directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A program (`chown`, `initdb`, `pg_ctl`) could not be run.
    #[error("cannot run {program}: {source}")]
    Run {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A program ran and failed; its output says why.
    #[error("{program} failed: {stdout}{stderr}")]
    Failed {
        /// The program.
        program: String,
        /// What it wrote to stdout.
        stdout: String,
        /// What it wrote to stderr.
        stderr: String,
    },
}

/// A running private cluster; stopping it is explicit ([`PrivateCluster::stop`]).
#[derive(Debug)]
pub struct PrivateCluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

/// Whether something accepts TCP connections at `addr`.
pub fn answers(addr: &str) -> bool {
    addr.parse::<SocketAddr>()
        .ok()
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
}

/// The newest installed PostgreSQL server's `bin` directory (Debian layout or `pg_config --bindir`).
pub fn find_server_binaries() -> Option<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    if let Some((_, bin)) = candidates.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    bin.join("initdb").exists().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivateCluster {
    /// Initialises (first time) and starts a cluster in `data`, listening on 127.0.0.1:[`PRIVATE_PORT`].
    /// PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` OS user.
    pub fn start(data: &Path) -> Result<Self, LocalPgError> {
        Self::start_on(data, PRIVATE_PORT)
    }

    /// [`PrivateCluster::start`] on another port (the fault tests run clusters of their own).
    pub fn start_on(data: &Path, port: u16) -> Result<Self, LocalPgError> {
        let bin = find_server_binaries().ok_or(LocalPgError::NotInstalled)?;
        std::fs::create_dir_all(data).map_err(|source| LocalPgError::CreateDataDir {
            path: data.to_path_buf(),
            source,
        })?;
        let data = data
            .canonicalize()
            .map_err(|source| LocalPgError::UseDataDir {
                path: data.to_path_buf(),
                source,
            })?;
        let cluster = Self {
            bin,
            data,
            port,
            as_postgres_user: is_root(),
        };
        if cluster.as_postgres_user {
            cluster.run(
                "chown",
                &["-R", "postgres:postgres", &cluster.data_str()],
                false,
            )?;
        }
        if !cluster.data.join("PG_VERSION").exists() {
            let initdb = cluster.bin.join("initdb");
            cluster.run(
                &initdb.to_string_lossy(),
                &[
                    "-D",
                    &cluster.data_str(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ],
                true,
            )?;
        }
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {}",
            cluster.data_str()
        );
        let log = cluster.data.join("server.log");
        let pg_ctl = cluster.bin.join("pg_ctl");
        cluster.run(
            &pg_ctl.to_string_lossy(),
            &[
                "-D",
                &cluster.data_str(),
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
            true,
        )?;
        Ok(cluster)
    }

    fn data_str(&self) -> String {
        self.data.to_string_lossy().into_owned()
    }

    fn run(&self, program: &str, args: &[&str], as_postgres: bool) -> Result<(), LocalPgError> {
        let mut cmd = if as_postgres && self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let out = cmd
            .args(args)
            .output()
            .map_err(|source| LocalPgError::Run {
                program: program.to_owned(),
                source,
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(LocalPgError::Failed {
                program: program.to_owned(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            })
        }
    }

    /// The database URL of the cluster's `winserve` database.
    pub fn database_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/winserve", self.port)
    }

    /// The port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Restarts the cluster with a fast shutdown (`pg_ctl restart -m fast`, waiting until it accepts
    /// connections again): every backend is terminated (SQLSTATE 57P01), as in a real restart.
    pub fn restart(&self) -> Result<(), LocalPgError> {
        let pg_ctl = self.bin.join("pg_ctl");
        let log = self.data.join("server.log");
        self.run(
            &pg_ctl.to_string_lossy(),
            &[
                "-D",
                &self.data_str(),
                "-m",
                "fast",
                "-l",
                &log.to_string_lossy(),
                "-w",
                "restart",
            ],
            true,
        )
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Stops the cluster (fast shutdown).
    pub fn stop(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        if let Err(e) = self.run(
            &pg_ctl.to_string_lossy(),
            &["-D", &self.data_str(), "-m", "fast", "stop"],
            true,
        ) {
            tracing::warn!(error = %e, "could not stop the private PostgreSQL");
        }
    }
}
