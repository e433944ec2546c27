//! Reference data: BallotReady positions and L2 districts.

use crate::{BallotReadyId, DistrictId, L2Name, L2Type, StateCode};
use serde::{Deserialize, Serialize};

/// The L2 type of a state's statewide district (`State`, named after the state in capitals, e.g.
/// `WYOMING`). Every imported voter of a state is in it: voter files have no column for it.
pub const STATEWIDE_L2_TYPE: &str = "State";

/// An L2 district, unique on (state, type, name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// The district's id.
    pub id: DistrictId,
    /// Its state.
    pub state: StateCode,
    /// Its L2 type, e.g. `City_Ward`.
    pub l2_type: L2Type,
    /// Its cleaned L2 name, e.g. `CHEYENNE CITY WARD 1`.
    pub l2_name: L2Name,
}

/// The government level of a BallotReady position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionLevel {
    /// A city or town office.
    City,
    /// A county office.
    County,
    /// A state office.
    State,
    /// A federal office.
    Federal,
    /// A local office (school board, special district, …).
    Local,
    /// A regional office.
    Regional,
    /// A township office.
    Township,
}

impl PositionLevel {
    /// Every level, in declaration order.
    pub const ALL: [PositionLevel; 7] = [
        PositionLevel::City,
        PositionLevel::County,
        PositionLevel::State,
        PositionLevel::Federal,
        PositionLevel::Local,
        PositionLevel::Regional,
        PositionLevel::Township,
    ];

    /// The lowercase name (`city`, `county`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            PositionLevel::City => "city",
            PositionLevel::County => "county",
            PositionLevel::State => "state",
            PositionLevel::Federal => "federal",
            PositionLevel::Local => "local",
            PositionLevel::Regional => "regional",
            PositionLevel::Township => "township",
        }
    }

    /// Parses a level name, ignoring case and surrounding blanks.
    pub fn parse(value: &str) -> Option<Self> {
        let lower = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.as_str() == lower)
    }
}

/// A BallotReady position (an office one can run for), with its natural L2 district when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The BallotReady global id; the natural key.
    pub ballotready_position_id: BallotReadyId,
    /// The position's name, e.g. `Cheyenne City Council - Ward 1`.
    pub name: String,
    /// Its state.
    pub state: StateCode,
    /// Its level.
    pub level: PositionLevel,
    /// Its natural district, when one is matched.
    pub district: Option<District>,
}

/// The full name of a state or territory (`WY` → `Wyoming`). The statewide L2 district of a state is
/// `(State, <full name in capitals>)`, e.g. `(State, WYOMING)`: voter files have no column for it, so the
/// voter loader adds every voter to it.
///
/// ```
/// use winserve_domain::{StateCode, state_name};
/// assert_eq!(state_name(&StateCode::new("wy").unwrap()), "Wyoming");
/// ```
pub fn state_name(code: &StateCode) -> &'static str {
    match code.as_str() {
        "AL" => "Alabama",
        "AK" => "Alaska",
        "AZ" => "Arizona",
        "AR" => "Arkansas",
        "CA" => "California",
        "CO" => "Colorado",
        "CT" => "Connecticut",
        "DE" => "Delaware",
        "FL" => "Florida",
        "GA" => "Georgia",
        "HI" => "Hawaii",
        "ID" => "Idaho",
        "IL" => "Illinois",
        "IN" => "Indiana",
        "IA" => "Iowa",
        "KS" => "Kansas",
        "KY" => "Kentucky",
        "LA" => "Louisiana",
        "ME" => "Maine",
        "MD" => "Maryland",
        "MA" => "Massachusetts",
        "MI" => "Michigan",
        "MN" => "Minnesota",
        "MS" => "Mississippi",
        "MO" => "Missouri",
        "MT" => "Montana",
        "NE" => "Nebraska",
        "NV" => "Nevada",
        "NH" => "New Hampshire",
        "NJ" => "New Jersey",
        "NM" => "New Mexico",
        "NY" => "New York",
        "NC" => "North Carolina",
        "ND" => "North Dakota",
        "OH" => "Ohio",
        "OK" => "Oklahoma",
        "OR" => "Oregon",
        "PA" => "Pennsylvania",
        "RI" => "Rhode Island",
        "SC" => "South Carolina",
        "SD" => "South Dakota",
        "TN" => "Tennessee",
        "TX" => "Texas",
        "UT" => "Utah",
        "VT" => "Vermont",
        "VA" => "Virginia",
        "WA" => "Washington",
        "WV" => "West Virginia",
        "WI" => "Wisconsin",
        "WY" => "Wyoming",
        "DC" => "District of Columbia",
        "PR" => "Puerto Rico",
        "GU" => "Guam",
        "VI" => "U.S. Virgin Islands",
        "AS" => "American Samoa",
        "MP" => "Northern Mariana Islands",
        // StateCode accepts only the codes above.
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        for level in PositionLevel::ALL {
            assert_eq!(PositionLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(PositionLevel::parse(" City "), Some(PositionLevel::City));
        assert_eq!(PositionLevel::parse("galactic"), None);
    }

    #[test]
    fn every_state_has_a_name() {
        for code in crate::STATE_CODES {
            let Ok(code) = StateCode::new(code) else {
                panic!("{code} is a state code");
            };
            assert_ne!(state_name(&code), "Unknown");
            assert!(L2Name::new(&state_name(&code).to_uppercase()).is_ok());
        }
    }
}
