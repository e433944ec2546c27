//! `winserve serve --demo`: a small demo world (positions, districts, voters), loaded idempotently, and a
//! printed token with the next commands to try.
//!
//! The voters, districts and positions come from the seed generator ([`winserve_voter_file::seed`]) for Wyoming with a
//! fixed seed, so every run loads the same world and a re-run changes nothing.

use crate::config::Config;
use crate::error::CliError;
use winserve_application::{ImportService, NewPosition};
use winserve_domain::{BallotReadyId, L2Name, L2Type, PositionLevel, StateCode};
use winserve_http::auth::{Authenticator, Claims, now_ts};
use winserve_voter_file::load;
use winserve_voter_file::seed::{self, SeedParams};

/// The demo user's subject.
pub const DEMO_SUB: &str = "user_demo";

/// How many seed voters the demo loads.
pub const DEMO_VOTERS: u64 = 5_000;

/// The seed of the demo voters.
pub const DEMO_RNG_SEED: u64 = 2026;

struct DemoPosition {
    id: &'static str,
    name: &'static str,
    level: PositionLevel,
    l2_type: &'static str,
    l2_name: &'static str,
}

const POSITIONS: &[DemoPosition] = &[
    DemoPosition {
        id: "demo-cheyenne-mayor",
        name: "Mayor of Cheyenne",
        level: PositionLevel::City,
        l2_type: "City",
        l2_name: "CHEYENNE CITY",
    },
    DemoPosition {
        id: "demo-cheyenne-ward-1",
        name: "Cheyenne City Council - Ward 1",
        level: PositionLevel::City,
        l2_type: "City_Ward",
        l2_name: "CHEYENNE CITY WARD 1",
    },
    DemoPosition {
        id: "demo-cheyenne-ward-2",
        name: "Cheyenne City Council - Ward 2",
        level: PositionLevel::City,
        l2_type: "City_Ward",
        l2_name: "CHEYENNE CITY WARD 2",
    },
    DemoPosition {
        id: "demo-laramie-commission",
        name: "Laramie County Commission",
        level: PositionLevel::County,
        l2_type: "County",
        l2_name: "LARAMIE",
    },
];

/// Loads the demo world (idempotent) and prints a token and example commands.
pub async fn load_and_introduce(
    imports: &ImportService,
    auth: &Authenticator,
    config: &Config,
) -> Result<(), CliError> {
    let reference = imports;
    let wy = StateCode::new("WY").map_err(CliError::DemoData)?;
    for p in POSITIONS {
        let district = reference
            .upsert_district(
                &wy,
                &L2Type::new(p.l2_type).map_err(CliError::DemoData)?,
                &L2Name::new(p.l2_name).map_err(CliError::DemoData)?,
            )
            .await
            .map_err(CliError::DemoWorld)?;
        reference
            .upsert_position(&NewPosition {
                ballotready_position_id: BallotReadyId::new(p.id).map_err(CliError::DemoData)?,
                name: p.name.to_owned(),
                state: wy.clone(),
                level: p.level,
                district_id: Some(district.id),
            })
            .await
            .map_err(CliError::DemoWorld)?;
    }
    let params = SeedParams {
        voters: DEMO_VOTERS,
        state: wy,
        rng_seed: DEMO_RNG_SEED,
    };
    let plan = seed::plan(&params);
    load::store_seed_plan(imports, &plan).await?;
    let load = load::load_seed_voters(imports, &params, &mut load::Quiet)
        .await
        .map_err(CliError::DemoVoters)?;
    tracing::info!(
        voters = load.summary.voters_received,
        new = load.summary.voters_inserted,
        updated = load.summary.voters_updated,
        "demo voters loaded"
    );
    let now = now_ts();
    let token = auth
        .mint(&Claims {
            sub: DEMO_SUB.to_owned(),
            exp: now + 12 * 3600,
            iat: Some(now),
            nbf: Some(now.saturating_sub(1)),
            iss: config.jwt_issuer.clone(),
            email: Some("demo@example.org".into()),
            first_name: Some("Dana".into()),
            last_name: Some("Demo".into()),
            ..Claims::default()
        })
        .map_err(|reason| CliError::DemoToken { reason })?;
    let base = format!("http://{}", config.bind);
    println!(
        "\nwinserve demo is ready at {base}\n\n\
         Open the console (signed in as the demo user): {base}/#token={token}\n\n\
         export TOKEN={token}\n\
         curl -s {base}/v1/me -H \"Authorization: Bearer $TOKEN\"\n\
         curl -s '{base}/v1/positions?state=WY' -H \"Authorization: Bearer $TOKEN\"\n\
         curl -s -X POST {base}/v1/campaigns -H \"Authorization: Bearer $TOKEN\" \\\n  \
           -H 'Content-Type: application/json' \\\n  \
           -d '{{\"ballotready_position_id\":\"demo-cheyenne-ward-1\",\"election_date\":\"2026-11-03\"}}'\n\n\
         The README's \"Try it\" section walks through the whole journey.\n"
    );
    Ok(())
}
