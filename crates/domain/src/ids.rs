//! Typed identifiers. Each entity gets its own id type so that a campaign id can never be passed where an
//! office id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// A new time-ordered (v7) id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a [`crate::User`].
    UserId
);
id_type!(
    /// Identifies an [`crate::Organization`].
    OrganizationId
);
id_type!(
    /// Identifies a [`crate::Campaign`].
    CampaignId
);
id_type!(
    /// Identifies an [`crate::ElectedOffice`].
    ElectedOfficeId
);
id_type!(
    /// Identifies an L2 [`crate::District`].
    DistrictId
);
id_type!(
    /// Identifies a custom [`crate::Segment`].
    SegmentId
);
id_type!(
    /// Identifies a voter (a contact).
    VoterId
);
id_type!(
    /// Identifies an invitation to join an organization.
    InvitationId
);
id_type!(
    /// Identifies an outreach plan.
    OutreachPlanId
);
id_type!(
    /// Identifies a [`crate::Poll`].
    PollId
);
