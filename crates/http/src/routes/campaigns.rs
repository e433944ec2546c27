//! Campaigns: create, list, read, update, launch, record the result, and the current one (Win only).

use crate::context::{AuthUser, WinOrg};
use crate::dto::{
    CampaignDto, ElectedOfficeDto, OrganizationDto, date_field, patch_date_field, patch_field,
};
use crate::extract::{ApiJson, ApiPath, NoBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{CampaignPatch, NewCampaign, NewResult, Patch};
use winserve_domain::{
    BallotReadyId, CampaignDetails, CampaignId, CampaignOutcome, CustomPositionName, DistrictId,
    ElectedOfficeId, PartyGroup, RemovedPartyCriteria, Team, UserId,
};

/// Body of `POST /v1/campaigns`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignBody {
    /// The BallotReady position to run for.
    #[schema(pattern = r"^[A-Za-z0-9+/=_:-]{1,128}$")]
    pub ballotready_position_id: Option<String>,
    /// A free-text position name.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub custom_position_name: Option<String>,
    /// An L2 district to use instead of the position's.
    pub override_district_id: Option<Uuid>,
    /// Start from this office's position and district (copied).
    pub from_elected_office_id: Option<Uuid>,
    /// General election date.
    #[serde(default, deserialize_with = "date_field")]
    #[schema(pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub election_date: Option<NaiveDate>,
    /// Primary election date.
    #[serde(default, deserialize_with = "date_field")]
    #[schema(pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub primary_election_date: Option<NaiveDate>,
    /// BallotReady race id.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub ballotready_race_id: Option<String>,
    /// BallotReady election id.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub ballotready_election_id: Option<String>,
    /// The candidate's party.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub party: Option<String>,
    /// With `from_elected_office_id`: user ids of members of the office's organization to bring along
    /// with their roles (anyone else is 422). Without it the owner starts alone.
    #[serde(default)]
    pub carry_members: Vec<Uuid>,
}

impl CreateCampaignBody {
    fn try_into_domain(self) -> Result<NewCampaign, ApiError> {
        Ok(NewCampaign {
            position_id: self
                .ballotready_position_id
                .as_deref()
                .map(BallotReadyId::new)
                .transpose()?,
            custom_position_name: self
                .custom_position_name
                .as_deref()
                .map(CustomPositionName::new)
                .transpose()?,
            override_district_id: self.override_district_id.map(DistrictId::from_uuid),
            from_elected_office_id: self.from_elected_office_id.map(ElectedOfficeId::from_uuid),
            details: CampaignDetails {
                election_date: self.election_date,
                primary_election_date: self.primary_election_date,
                ballotready_race_id: self.ballotready_race_id,
                ballotready_election_id: self.ballotready_election_id,
                party: self.party,
            },
            carry_members: self
                .carry_members
                .into_iter()
                .map(UserId::from_uuid)
                .collect(),
        })
    }
}

/// `{campaign, organization}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignCreated {
    /// The new draft campaign.
    pub campaign: CampaignDto,
    /// Its new Win organization.
    pub organization: OrganizationDto,
    /// The members brought from the office's organization, with their roles.
    pub carried_members: Vec<CarriedMemberDto>,
    /// The office organization's other members (not brought along).
    pub left_behind: Vec<Uuid>,
}

/// A member brought into a new organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarriedMemberDto {
    /// The member's user id.
    pub user_id: Uuid,
    /// Their role, the same as where they came from.
    #[schema(value_type = crate::openapi_schemas::RoleValue, example = "admin")]
    pub role: String,
}

/// The `carried_members` and `left_behind` of an answer.
fn team_dto(team: &Team) -> (Vec<CarriedMemberDto>, Vec<Uuid>) {
    (
        team.carried_members
            .iter()
            .map(|m| CarriedMemberDto {
                user_id: m.user_id.as_uuid(),
                role: m.role.as_str().to_owned(),
            })
            .collect(),
        team.left_behind.iter().map(|u| u.as_uuid()).collect(),
    )
}

/// Creates a draft campaign and its Win organization. 409 `open_campaign_exists` while another campaign
/// is draft or active; allowed while serving.
#[utoipa::path(post, path = "/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body = CreateCampaignBody,
    responses((status = 201, description = "the draft campaign and its Win organization", body = CampaignCreated),
        (status = 403, description = "`forbidden`: starting from an office is its owner's lifecycle (`action`: `lifecycle`)"),
        (status = 404, description = "`not_found`: `from_elected_office_id` names no office of the caller"),
        (status = 409, description = "`open_campaign_exists`: another campaign is draft or active"),
        (status = 422, description = "`validation_failed`: also an unknown position or district, or a primary after the general election")))]
pub async fn create_campaign(
    State(state): State<AppState>,
    me: AuthUser,
    ApiJson(body): ApiJson<CreateCampaignBody>,
) -> ApiResult<(StatusCode, Json<CampaignCreated>)> {
    let input = body.try_into_domain()?;
    let created = state.services.campaigns.create(me.user.id, input).await?;
    let (carried_members, left_behind) = team_dto(&created.team);
    Ok((
        StatusCode::CREATED,
        Json(CampaignCreated {
            campaign: CampaignDto::new(&created.campaign, &created.organization.organization.slug),
            organization: OrganizationDto::from(&created.organization),
            carried_members,
            left_behind,
        }),
    ))
}

/// `{campaigns: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    /// Newest first.
    pub campaigns: Vec<CampaignDto>,
}

/// All of the caller's campaigns, any status, newest first.
#[utoipa::path(get, path = "/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, description = "the caller's campaigns", body = CampaignList)))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    me: AuthUser,
) -> ApiResult<Json<CampaignList>> {
    let campaigns = state.services.campaigns.list(me.user.id).await?;
    Ok(Json(CampaignList {
        campaigns: campaigns
            .iter()
            .map(|(c, s)| CampaignDto::new(c, s))
            .collect(),
    }))
}

/// The campaign of the selected organization; a Serve organization is 403 `wrong_mode`.
#[utoipa::path(get, path = "/v1/campaigns/current", tag = "campaigns", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the campaign of the selected organization", body = CampaignDto),
        (status = 403, description = "`wrong_mode`: the selected organization is a Serve organization"),
        (status = 404, description = "`not_found`: the organization has no campaign")))]
pub async fn get_current_campaign(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
) -> ApiResult<Json<CampaignDto>> {
    let (campaign, slug) = state.services.campaigns.current(&scope)?;
    Ok(Json(CampaignDto::new(&campaign, &slug)))
}

/// One of the caller's campaigns.
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the campaign's id")),
    responses((status = 200, description = "the campaign", body = CampaignDto),
        (status = 404, description = "`not_found`: the caller has no campaign with this id"), (status = 422, description = "`validation_failed`: the id is not a UUID")))]
pub async fn get_campaign(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CampaignDto>> {
    let (campaign, slug) = state
        .services
        .campaigns
        .get(me.user.id, CampaignId::from_uuid(id))
        .await?;
    Ok(Json(CampaignDto::new(&campaign, &slug)))
}

/// Body of `PATCH /v1/campaigns/{id}`: `null` clears, absent keeps.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatchBody {
    /// General election date.
    #[serde(default, deserialize_with = "patch_date_field")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub election_date: Patch<NaiveDate>,
    /// Primary election date.
    #[serde(default, deserialize_with = "patch_date_field")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub primary_election_date: Patch<NaiveDate>,
    /// BallotReady race id.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub ballotready_race_id: Patch<String>,
    /// BallotReady election id.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub ballotready_election_id: Patch<String>,
    /// The candidate's party.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub party: Patch<String>,
}

/// Updates a campaign's dates, race ids or party. 409 `organization_archived` once it is closed.
#[utoipa::path(patch, path = "/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the campaign's id")), request_body = CampaignPatchBody,
    responses((status = 200, description = "the updated campaign", body = CampaignDto),
        (status = 403, description = "`forbidden`: members may not edit campaign details (`action`: `edit_organization`)"),
        (status = 404, description = "`not_found`: the caller has no campaign with this id"),
        (status = 409, description = "`organization_archived`: the campaign is closed"),
        (status = 422, description = "`validation_failed`: also a malformed id, or a primary after the general election")))]
pub async fn patch_campaign(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CampaignPatchBody>,
) -> ApiResult<Json<CampaignDto>> {
    let patch = CampaignPatch {
        election_date: body.election_date,
        primary_election_date: body.primary_election_date,
        ballotready_race_id: body.ballotready_race_id,
        ballotready_election_id: body.ballotready_election_id,
        party: body.party,
    };
    let (c, slug) = state
        .services
        .campaigns
        .update(me.user.id, CampaignId::from_uuid(id), patch)
        .await?;
    Ok(Json(CampaignDto::new(&c, &slug)))
}

/// Launches a draft campaign (`draft → active`); 422 `office_not_set` without a position or custom
/// position name.
#[utoipa::path(post, path = "/v1/campaigns/{id}/launch", tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the campaign's id")),
    responses((status = 200, description = "the active campaign", body = CampaignDto),
        (status = 403, description = "`forbidden`: only the owner launches (`action`: `lifecycle`)"),
        (status = 404, description = "`not_found`: the caller has no campaign with this id"),
        (status = 409, description = "`invalid_transition`: the campaign is not a draft"),
        (status = 422, description = "`office_not_set`: neither a position nor a custom position name is set; or `validation_failed`: a malformed id, or a body other than empty or `{}`"),
        (status = 400, description = "`bad_request`: the body is not JSON"), (status = 408, description = "`request_timeout`: the client did not send the whole body in time"), (status = 413, description = "`payload_too_large`: the body is over 1 MiB")))]
pub async fn launch_campaign(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    _: NoBody,
) -> ApiResult<Json<CampaignDto>> {
    let (c, org) = state
        .services
        .campaigns
        .launch(me.user.id, CampaignId::from_uuid(id))
        .await?;
    Ok(Json(CampaignDto::new(&c, &org.organization.slug)))
}

/// Body of `POST /v1/campaigns/{id}/result`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// won, lost or withdrawn.
    #[schema(value_type = crate::openapi_schemas::CampaignOutcomeSchema, example = "won")]
    pub outcome: CampaignOutcome,
    /// On a win, the start of the term.
    #[serde(default, deserialize_with = "date_field")]
    #[schema(pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub sworn_in_date: Option<NaiveDate>,
    /// On a win, copy the campaign's custom segments into the new Serve organization (party criteria
    /// removed).
    #[serde(default)]
    pub copy_segments: bool,
    /// On a win, user ids of members of the campaign's organization to bring into the new Serve
    /// organization with their roles (anyone else is 422); everyone else stays behind.
    #[serde(default)]
    pub carry_members: Vec<Uuid>,
}

/// A party criterion removed from a copied segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemovedPartyCriteriaDto {
    /// The copied segment.
    pub segment_id: Uuid,
    /// Its name.
    pub name: String,
    /// The removed party values.
    pub party: Vec<String>,
}

impl From<&RemovedPartyCriteria> for RemovedPartyCriteriaDto {
    fn from(r: &RemovedPartyCriteria) -> Self {
        Self {
            segment_id: r.segment_id.as_uuid(),
            name: r.name.clone(),
            party: r
                .party
                .iter()
                .map(|p: &PartyGroup| p.as_str().to_owned())
                .collect(),
        }
    }
}

/// `{campaign, elected_office, organization, removed_party_criteria}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultDto {
    /// The closed campaign.
    pub campaign: CampaignDto,
    /// The office that started, on a win; else null.
    pub elected_office: Option<ElectedOfficeDto>,
    /// The new Serve organization on a win, else the campaign's.
    pub organization: OrganizationDto,
    /// Party criteria removed from copied segments.
    pub removed_party_criteria: Vec<RemovedPartyCriteriaDto>,
    /// On a win, the members brought into the Serve organization, with their roles.
    pub carried_members: Vec<CarriedMemberDto>,
    /// On a win, the campaign organization's other members (they keep the archived campaign only).
    pub left_behind: Vec<Uuid>,
}

/// Records a campaign's result. `won` starts an office in a new Serve organization; the same result
/// again answers the same outcome; a different one is 409 `result_already_recorded`.
#[utoipa::path(post, path = "/v1/campaigns/{id}/result", tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the campaign's id")), request_body = ResultBody,
    responses((status = 200, description = "the closed campaign, the office on a win, the organization", body = ResultDto),
        (status = 403, description = "`forbidden`: only the owner records a result (`action`: `lifecycle`)"),
        (status = 404, description = "`not_found`: the caller has no campaign with this id"),
        (status = 409, description = "`result_already_recorded`: another result was recorded; `invalid_transition`: the campaign is not active; or `organization_archived`"),
        (status = 422, description = "`validation_failed`: also a malformed id")))]
pub async fn record_campaign_result(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ResultBody>,
) -> ApiResult<Json<ResultDto>> {
    let result = NewResult {
        outcome: body.outcome,
        sworn_in_date: body.sworn_in_date,
        copy_segments: body.copy_segments,
        carry_members: body
            .carry_members
            .into_iter()
            .map(UserId::from_uuid)
            .collect(),
    };
    let r = state
        .services
        .campaigns
        .record_result(me.user.id, CampaignId::from_uuid(id), result)
        .await?;
    let (carried_members, left_behind) = team_dto(&r.team);
    Ok(Json(ResultDto {
        campaign: CampaignDto::new(&r.campaign.0, &r.campaign.1),
        elected_office: r
            .elected_office
            .as_ref()
            .map(|(o, s)| ElectedOfficeDto::new(o, s)),
        organization: OrganizationDto::from(&r.organization),
        removed_party_criteria: r
            .removed_party_criteria
            .iter()
            .map(RemovedPartyCriteriaDto::from)
            .collect(),
        carried_members,
        left_behind,
    }))
}
