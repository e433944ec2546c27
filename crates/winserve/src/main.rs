//! The `winserve` command: run the API, migrate the database, import or generate reference data, mint
//! tokens.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use winserve::cli;
use winserve_application::ImportOptions;

/// mimalloc instead of the system allocator: a contacts request allocates a few hundred small strings
/// (rows, JSON), and glibc's malloc was ~18% of the server's CPU under load (ADR 0017).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "winserve",
    version,
    about = "One account from campaign (Win) to elected office (Serve) and back."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve {
        /// Also load a small demo world (idempotent) and print a token and commands to try.
        #[arg(long)]
        demo: bool,
        /// Do not create the database or apply pending migrations at start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Create the database if it is missing, apply pending migrations, and exit.
    Migrate,
    /// Load reference data from a CSV file.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Generate synthetic L2-style data (districts, positions, voters) and load it; deterministic for a
    /// given --rng-seed.
    Seed {
        /// How many voters.
        #[arg(long)]
        voters: u64,
        /// The state code.
        #[arg(long, default_value = "WY")]
        state: String,
        /// The seed of the voters' attributes.
        #[arg(long, default_value_t = winserve_voter_file::seed::DEFAULT_RNG_SEED)]
        rng_seed: u64,
        /// Also write positions.csv and voters.csv (L2 format) to this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<String>,
    },
    /// Mint an HS256 development token with WINSERVE_JWT_SECRET.
    Token {
        /// The subject (user id).
        #[arg(long)]
        sub: String,
        /// The email claim.
        #[arg(long)]
        email: Option<String>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
}

#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// positions.csv: ballotready_position_id,name,state,level,l2_type,l2_name
    Positions {
        /// The CSV file.
        file: String,
        /// Write rejected rows here (with line and reason) instead of failing.
        #[arg(long, value_name = "REJECTS.csv")]
        skip_invalid: Option<String>,
    },
    /// voters.csv: L2-style voter file (LALVOTERID, State, … and one column per district type)
    Voters {
        /// The CSV file.
        file: String,
        /// Write rejected rows here (with line and reason) instead of failing.
        #[arg(long, value_name = "REJECTS.csv")]
        skip_invalid: Option<String>,
        /// The file is the complete voter list of every state it has voters of (a vendor's monthly
        /// state file): stored voters of those states that it lacks are removed.
        #[arg(long)]
        replace: bool,
        /// Print what the import would change (new, updated, unchanged, removed) and store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let args = Cli::parse();
    cli::init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match args.command {
            Command::Serve { demo, no_migrate } => cli::serve(demo, !no_migrate).await,
            Command::Migrate => cli::migrate().await,
            Command::Import {
                what: ImportWhat::Positions { file, skip_invalid },
            } => cli::import_positions(&file, skip_invalid.as_deref()).await,
            Command::Import {
                what:
                    ImportWhat::Voters {
                        file,
                        skip_invalid,
                        replace,
                        dry_run,
                    },
            } => {
                let options = ImportOptions {
                    replace_states: replace,
                    dry_run,
                };
                cli::import_voters(&file, skip_invalid.as_deref(), options).await
            }
            Command::Seed {
                voters,
                state,
                rng_seed,
                out,
            } => cli::seed(voters, &state, rng_seed, out.as_deref()).await,
            Command::Token { sub, email, ttl } => cli::token(&sub, email.as_deref(), &ttl),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
