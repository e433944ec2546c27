//! Organizations — the workspace a request acts in — and the effective-district rules (product.md §3).

use crate::{
    ClerkOrganizationId, CustomPositionName, District, DistrictId, Mode, OrganizationId, Position,
    Slug, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization as read back from storage, with its position and districts resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its id.
    pub id: OrganizationId,
    /// Its unique, immutable slug.
    pub slug: Slug,
    /// Its mode; fixed at creation.
    pub mode: Mode,
    /// The user who owns it.
    pub owner_id: UserId,
    /// Its BallotReady position, with the position's natural district.
    pub position: Option<Position>,
    /// The district chosen instead of the position's natural one.
    pub override_district: Option<District>,
    /// A free-text position name.
    pub custom_position_name: Option<CustomPositionName>,
    /// The Clerk organization linked 1:1 to this one.
    pub clerk_organization_id: Option<ClerkOrganizationId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was archived (its campaign closed or its office ended); archived orgs are read-only.
    pub archived_at: Option<DateTime<Utc>>,
}

/// Where an organization's effective district comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictSource {
    /// The position's natural district.
    Position,
    /// The organization's override.
    Override,
}

impl Organization {
    /// The district contacts, counts and exports use: the override if set, else the position's natural
    /// district, else none.
    pub fn effective_district(&self) -> Option<(&District, DistrictSource)> {
        if let Some(d) = &self.override_district {
            return Some((d, DistrictSource::Override));
        }
        self.position
            .as_ref()
            .and_then(|p| p.district.as_ref())
            .map(|d| (d, DistrictSource::Position))
    }

    /// The custom position name if set, else the position's name, else none.
    pub fn position_name(&self) -> Option<&str> {
        self.custom_position_name
            .as_ref()
            .map(CustomPositionName::as_str)
            .or_else(|| self.position.as_ref().map(|p| p.name.as_str()))
    }

    /// Whether the organization is archived (read-only).
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// Whether the organization names an office to run for: a position or a custom position name.
    pub fn has_office(&self) -> bool {
        self.position.is_some() || self.custom_position_name.is_some()
    }

    /// The profile (position, override, custom name) as ids, e.g. to copy it into a new organization.
    pub fn profile(&self) -> OrganizationProfile {
        OrganizationProfile {
            position_id: self
                .position
                .as_ref()
                .map(|p| p.ballotready_position_id.clone()),
            override_district_id: self.override_district.as_ref().map(|d| d.id),
            custom_position_name: self.custom_position_name.clone(),
        }
    }

    /// Fails with [`Archived`] when the organization is archived.
    pub fn ensure_writable(&self) -> Result<(), Archived> {
        if self.is_archived() {
            Err(Archived)
        } else {
            Ok(())
        }
    }
}

/// The organization is archived and so read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the organization is archived and read-only")]
pub struct Archived;

/// The part of an organization that says what office it is about and where: position, override district
/// and custom name, as ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationProfile {
    /// The BallotReady position.
    pub position_id: Option<crate::BallotReadyId>,
    /// The override district.
    pub override_district_id: Option<DistrictId>,
    /// The free-text position name.
    pub custom_position_name: Option<CustomPositionName>,
}

/// Normalises an override district against the position's natural district: an override equal to the
/// natural district is stored as no override. Apply it on every write of either field — so setting an
/// override equal to the position's district stores null, and changing the position clears an override
/// that now equals the new position's district.
///
/// ```
/// use winserve_domain::{normalize_override, DistrictId};
/// let d = DistrictId::generate();
/// let e = DistrictId::generate();
/// assert_eq!(normalize_override(Some(d), Some(d)), None);
/// assert_eq!(normalize_override(Some(d), Some(e)), Some(e));
/// assert_eq!(normalize_override(None, Some(e)), Some(e));
/// ```
pub fn normalize_override(
    position_district: Option<DistrictId>,
    override_district: Option<DistrictId>,
) -> Option<DistrictId> {
    match (position_district, override_district) {
        (Some(natural), Some(o)) if natural == o => None,
        (_, o) => o,
    }
}

/// The display name of an organization (interfaces.md): `"<election year> Campaign"` (or `"Campaign"`)
/// for a Win org, the position name (or `"Elected office"`) for a Serve org.
pub fn organization_name(
    mode: Mode,
    election_year: Option<i32>,
    position_name: Option<&str>,
) -> String {
    match mode {
        Mode::Win => match election_year {
            Some(y) => format!("{y} Campaign"),
            None => "Campaign".to_owned(),
        },
        Mode::Serve => position_name.unwrap_or("Elected office").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BallotReadyId, L2Name, L2Type, PositionLevel, StateCode};

    fn district(name: &str) -> District {
        District {
            id: DistrictId::generate(),
            state: StateCode::new("WY").unwrap(),
            l2_type: L2Type::new("City_Ward").unwrap(),
            l2_name: L2Name::new(name).unwrap(),
        }
    }

    fn org(
        position_district: Option<District>,
        override_district: Option<District>,
    ) -> Organization {
        let now = Utc::now();
        Organization {
            id: OrganizationId::generate(),
            slug: Slug::new("campaign-x1").unwrap(),
            mode: Mode::Win,
            owner_id: UserId::generate(),
            position: Some(Position {
                ballotready_position_id: BallotReadyId::new("pos1").unwrap(),
                name: "City Council".into(),
                state: StateCode::new("WY").unwrap(),
                level: PositionLevel::City,
                district: position_district,
            }),
            override_district,
            custom_position_name: None,
            clerk_organization_id: None,
            created_at: now,
            updated_at: now,
            archived_at: None,
        }
    }

    #[test]
    fn effective_district_prefers_override_then_position() {
        let natural = district("WARD 1");
        let other = district("WARD 2");
        let o = org(Some(natural.clone()), Some(other.clone()));
        assert_eq!(
            o.effective_district(),
            Some((&other, DistrictSource::Override))
        );
        let o = org(Some(natural.clone()), None);
        assert_eq!(
            o.effective_district(),
            Some((&natural, DistrictSource::Position))
        );
        let o = org(None, None);
        assert_eq!(o.effective_district(), None);
        let mut o = org(None, None);
        o.position = None;
        assert_eq!(o.effective_district(), None);
        assert!(!o.has_office());
    }

    #[test]
    fn override_equal_to_natural_is_dropped() {
        let a = DistrictId::generate();
        let b = DistrictId::generate();
        assert_eq!(normalize_override(Some(a), Some(a)), None);
        assert_eq!(normalize_override(Some(a), Some(b)), Some(b));
        assert_eq!(normalize_override(None, Some(b)), Some(b));
        assert_eq!(normalize_override(Some(a), None), None);
    }

    #[test]
    fn position_name_prefers_custom() {
        let mut o = org(None, None);
        assert_eq!(o.position_name(), Some("City Council"));
        o.custom_position_name = Some(CustomPositionName::new("Dogcatcher").unwrap());
        assert_eq!(o.position_name(), Some("Dogcatcher"));
        o.position = None;
        o.custom_position_name = None;
        assert_eq!(o.position_name(), None);
    }

    #[test]
    fn names_follow_the_mode() {
        assert_eq!(
            organization_name(Mode::Win, Some(2026), Some("Mayor")),
            "2026 Campaign"
        );
        assert_eq!(organization_name(Mode::Win, None, None), "Campaign");
        assert_eq!(
            organization_name(Mode::Serve, Some(2026), Some("Mayor")),
            "Mayor"
        );
        assert_eq!(organization_name(Mode::Serve, None, None), "Elected office");
    }

    #[test]
    fn archived_orgs_are_read_only() {
        let mut o = org(None, None);
        assert!(o.ensure_writable().is_ok());
        o.archived_at = Some(Utc::now());
        assert_eq!(o.ensure_writable(), Err(Archived));
    }
}
