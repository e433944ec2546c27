//! Diesel table definitions, written by hand to match `migrations/`.
//!
//! `voters` (29 columns) is not declared here: diesel is built without its `32-column-tables` feature to
//! keep compile times down, so the voter queries are written with `diesel::sql_query` and bound
//! parameters instead (see `voters.rs`).

diesel::table! {
    /// Users, keyed by the auth token's subject.
    users (id) {
        /// Id.
        id -> Uuid,
        /// Token subject.
        sub -> Text,
        /// Email.
        email -> Nullable<Text>,
        /// First name.
        first_name -> Nullable<Text>,
        /// Last name.
        last_name -> Nullable<Text>,
        /// Saved default organization.
        active_organization_id -> Nullable<Uuid>,
        /// Created.
        created_at -> Timestamptz,
        /// Updated.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// L2 districts.
    districts (id) {
        /// Id.
        id -> Uuid,
        /// State code.
        state -> Text,
        /// L2 type.
        l2_type -> Text,
        /// Cleaned L2 name.
        l2_name -> Text,
    }
}

diesel::table! {
    /// BallotReady positions.
    positions (ballotready_position_id) {
        /// BallotReady id.
        ballotready_position_id -> Text,
        /// Name.
        name -> Text,
        /// State code.
        state -> Text,
        /// Level.
        level -> Text,
        /// Natural district.
        district_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    /// Organizations.
    organizations (id) {
        /// Id.
        id -> Uuid,
        /// Slug.
        slug -> Text,
        /// `win` or `serve`.
        mode -> Text,
        /// Owner.
        owner_id -> Uuid,
        /// Position.
        position_id -> Nullable<Text>,
        /// Override district.
        override_district_id -> Nullable<Uuid>,
        /// Custom position name.
        custom_position_name -> Nullable<Text>,
        /// Linked Clerk organization.
        clerk_organization_id -> Nullable<Text>,
        /// Created.
        created_at -> Timestamptz,
        /// Updated.
        updated_at -> Timestamptz,
        /// Archived.
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Campaigns (Win organizations).
    campaigns (id) {
        /// Id.
        id -> Uuid,
        /// Organization.
        organization_id -> Uuid,
        /// Always `win`.
        organization_mode -> Text,
        /// Owner.
        owner_id -> Uuid,
        /// Status.
        status -> Text,
        /// General election.
        election_date -> Nullable<Date>,
        /// Primary election.
        primary_election_date -> Nullable<Date>,
        /// BallotReady race.
        ballotready_race_id -> Nullable<Text>,
        /// BallotReady election.
        ballotready_election_id -> Nullable<Text>,
        /// Candidate's party.
        party -> Nullable<Text>,
        /// Launched.
        launched_at -> Nullable<Timestamptz>,
        /// Closed.
        closed_at -> Nullable<Timestamptz>,
        /// Created.
        created_at -> Timestamptz,
        /// Updated.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Elected offices (Serve organizations).
    elected_offices (id) {
        /// Id.
        id -> Uuid,
        /// Organization.
        organization_id -> Uuid,
        /// Always `serve`.
        organization_mode -> Text,
        /// Owner.
        owner_id -> Uuid,
        /// Status.
        status -> Text,
        /// Sworn in.
        sworn_in_date -> Nullable<Date>,
        /// Term end.
        term_end_date -> Nullable<Date>,
        /// Ended.
        ended_at -> Nullable<Timestamptz>,
        /// Created.
        created_at -> Timestamptz,
        /// Updated.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// The append-only lifecycle log.
    lifecycle_events (seq) {
        /// Order of append.
        seq -> Int8,
        /// User.
        user_id -> Uuid,
        /// Kind.
        kind -> Text,
        /// When.
        at -> Timestamptz,
        /// Organization.
        organization_id -> Uuid,
        /// Campaign.
        campaign_id -> Nullable<Uuid>,
        /// Office.
        elected_office_id -> Nullable<Uuid>,
        /// On `campaign_won`: the party criteria removed from the copied segments, as a JSON array.
        removed_party_criteria -> Nullable<Jsonb>,
        /// On `member_joined` / `member_left`: the role.
        role -> Nullable<Text>,
        /// On `campaign_won` / `campaign_created`: the team carried along, as a JSON object.
        team -> Nullable<Jsonb>,
    }
}

diesel::table! {
    /// Members of organizations, with their role (exactly one `owner` per organization).
    organization_members (organization_id, user_id) {
        /// Organization.
        organization_id -> Uuid,
        /// User.
        user_id -> Uuid,
        /// `owner`, `admin` or `member`.
        role -> Text,
        /// Joined.
        joined_at -> Timestamptz,
        /// When Clerk last spoke about this membership.
        clerk_synced_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Custom segments.
    segments (id) {
        /// Id.
        id -> Uuid,
        /// Organization.
        organization_id -> Uuid,
        /// Name.
        name -> Text,
        /// Criteria as JSON.
        criteria -> Jsonb,
        /// Created.
        created_at -> Timestamptz,
        /// Updated.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Invitations to join organizations (only the token's SHA-256 is stored).
    organization_invitations (id) {
        /// Id.
        id -> Uuid,
        /// Organization.
        organization_id -> Uuid,
        /// The invitee's email, normalised.
        email -> Text,
        /// `admin` or `member`.
        role -> Text,
        /// SHA-256 of the token.
        token_hash -> Bytea,
        /// Who invited.
        invited_by -> Uuid,
        /// Created.
        created_at -> Timestamptz,
        /// Expires.
        expires_at -> Timestamptz,
        /// Accepted.
        accepted_at -> Nullable<Timestamptz>,
        /// By whom.
        accepted_by -> Nullable<Uuid>,
        /// Revoked.
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(positions -> districts (district_id));
diesel::joinable!(segments -> organizations (organization_id));
diesel::joinable!(lifecycle_events -> organizations (organization_id));
diesel::joinable!(organization_members -> organizations (organization_id));
diesel::joinable!(organization_members -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    districts,
    positions,
    organizations,
    campaigns,
    elected_offices,
    lifecycle_events,
    segments,
    organization_members,
    organization_invitations,
);
