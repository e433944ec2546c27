//! # winserve-voter-file
//!
//! Reference data from files, usable by the `winserve` binary or any batch job (no HTTP, no database
//! crate): the BallotReady positions and L2-style voter file parsers ([`import`]), the synthetic-data
//! generator ([`seed`]), and the pipeline that streams either into one all-or-nothing import through the
//! application's ports ([`load`]).

pub mod import;
pub mod load;
pub mod seed;
