//! The two modes of the product.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The mode of an organization, and so of every request made in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Campaign mode: a candidate runs for an office.
    Win,
    /// Elected-official mode: a person who won serves in the office.
    Serve,
}

impl Mode {
    /// The lowercase name used in the API and the database (`win`, `serve`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Win => "win",
            Mode::Serve => "serve",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "win" => Some(Mode::Win),
            "serve" => Some(Mode::Serve),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
