//! Every organization-scoped service checks the caller's role before it touches a port (issue 15): a
//! member or admin refused an action gets `Forbidden` naming it, and the mocks — which have no
//! expectation for the write — prove nothing was written (or, for the lifecycle, even decided).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use mockall::predicate::eq;
use winserve_application::{
    CampaignPatch, ContactQuery, ContactsError, CreateCampaignError, CreateSegmentError,
    DeleteSegmentError, EndOfficeError, LaunchCampaignError, NewCampaign, NewResult, NewSegment,
    OfficePatch, OrgScope, OrganizationPatch, RecordResultError, SegmentChanges,
    UpdateCampaignError, UpdateOfficeError, UpdateOrganizationError, UpdateSegmentError,
};
use winserve_domain::{
    Action, CampaignId, CampaignOutcome, ElectedOfficeId, Forbidden, Mode, Role, SegmentId,
};

fn as_role(role: Role) -> OrgScope {
    OrgScope::for_tests_as(user(), org_details(org_with_district(Mode::Win)), role)
}

fn refused(action: Action, role: Role) -> Forbidden {
    Forbidden { action, role }
}

#[tokio::test]
async fn members_cannot_edit_segments_and_admins_can_get_past_the_check() {
    let services = Mocks::default().services();
    let scope = as_role(Role::Member);
    let id = SegmentId::generate().to_string();
    let err = services
        .segments
        .create(&scope, NewSegment::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSegmentError::Forbidden(f) if f == refused(Action::EditSegments, Role::Member))
    );
    let err = services
        .segments
        .update(&scope, &id, SegmentChanges::default())
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateSegmentError::Forbidden(_)));
    let err = services.segments.delete(&scope, &id).await.unwrap_err();
    assert!(matches!(err, DeleteSegmentError::Forbidden(_)));
    // An admin passes the role check and meets the next rule (an empty name is invalid).
    let err = services
        .segments
        .create(&as_role(Role::Admin), NewSegment::default())
        .await
        .unwrap_err();
    assert!(matches!(err, CreateSegmentError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn members_cannot_export_contacts() {
    let services = Mocks::default().services();
    let err = services
        .contacts
        .export(&as_role(Role::Member), &ContactQuery::default())
        .await
        .err()
        .unwrap();
    assert!(
        matches!(err, ContactsError::Forbidden(f) if f == refused(Action::ExportContacts, Role::Member))
    );
}

#[tokio::test]
async fn members_cannot_edit_the_organization() {
    let mut m = Mocks::default();
    let mut details = org_details(org_with_district(Mode::Win));
    details.role = Role::Member;
    let slug = details.organization.slug.clone();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(move |_, _| Ok(Some(details.clone())));
    let err = m
        .services()
        .organizations
        .update(owner(), slug.as_str(), OrganizationPatch::default(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, UpdateOrganizationError::Forbidden(f) if f == refused(Action::EditOrganization, Role::Member))
    );
}

fn campaign_as(m: &mut Mocks, id: CampaignId, role: Role) {
    let (campaign, slug) = stored_campaign(id);
    m.campaigns
        .expect_find()
        .with(eq(owner()), eq(id))
        .returning(move |_, _| Ok(Some((campaign.clone(), slug.clone(), role))));
}

fn office_as(m: &mut Mocks, id: ElectedOfficeId, role: Role) {
    let (office, slug) = stored_office(id);
    m.offices
        .expect_find()
        .with(eq(owner()), eq(id))
        .returning(move |_, _| Ok(Some((office.clone(), slug.clone(), role))));
}

#[tokio::test]
async fn only_the_owner_drives_the_lifecycle() {
    let id = CampaignId::generate();
    let office = ElectedOfficeId::generate();
    for role in [Role::Admin, Role::Member] {
        // No lifecycle expectation: a decision must not even be attempted.
        let mut m = Mocks::default();
        campaign_as(&mut m, id, role);
        office_as(&mut m, office, role);
        let services = m.services();
        let lifecycle = refused(Action::Lifecycle, role);
        let err = services.campaigns.launch(owner(), id).await.unwrap_err();
        assert!(matches!(err, LaunchCampaignError::Forbidden(f) if f == lifecycle));
        let result = NewResult {
            outcome: CampaignOutcome::Won,
            sworn_in_date: None,
            copy_segments: false,
            carry_members: vec![],
        };
        let err = services
            .campaigns
            .record_result(owner(), id, result)
            .await
            .unwrap_err();
        assert!(matches!(err, RecordResultError::Forbidden(f) if f == lifecycle));
        let err = services.offices.end(owner(), office).await.unwrap_err();
        assert!(matches!(err, EndOfficeError::Forbidden(f) if f == lifecycle));
        let run_again = NewCampaign {
            from_elected_office_id: Some(office),
            ..NewCampaign::default()
        };
        let err = services
            .campaigns
            .create(owner(), run_again)
            .await
            .unwrap_err();
        assert!(matches!(err, CreateCampaignError::Forbidden(f) if f == lifecycle));
    }
}

#[tokio::test]
async fn campaign_and_office_details_need_an_owner_or_admin() {
    let id = CampaignId::generate();
    let office = ElectedOfficeId::generate();
    let mut m = Mocks::default();
    campaign_as(&mut m, id, Role::Member);
    office_as(&mut m, office, Role::Member);
    let services = m.services();
    let err = services
        .campaigns
        .update(owner(), id, CampaignPatch::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, UpdateCampaignError::Forbidden(f) if f == refused(Action::EditOrganization, Role::Member))
    );
    let err = services
        .offices
        .update(owner(), office, OfficePatch::default())
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateOfficeError::Forbidden(_)));
}

#[tokio::test]
async fn linking_a_clerk_organization_needs_its_admin_claim() {
    for (admin_of, refused_link) in [
        (None, true),
        (Some("org_other"), true),
        (Some("org_new"), false),
    ] {
        let mut m = Mocks::default();
        let details = org_details(org_with_district(Mode::Win));
        let slug = details.organization.slug.clone();
        m.organizations
            .expect_find_by_slug()
            .returning(move |_, _| Ok(Some(details.clone())));
        if !refused_link {
            m.organizations
                .expect_update_profile()
                .times(1)
                .returning(|_, _, _| Err(winserve_application::UpdateError::NotFound));
            m.reference
                .expect_find_position()
                .returning(|_| Ok(Some(position("pos1", Some(district(1))))));
        }
        let patch = OrganizationPatch {
            clerk_organization_id: winserve_application::Patch::Set("org_new".into()),
            ..OrganizationPatch::default()
        };
        let admin_of = admin_of.map(|c| winserve_domain::ClerkOrganizationId::new(c).unwrap());
        let err = m
            .services()
            .organizations
            .update(owner(), slug.as_str(), patch, admin_of.as_ref())
            .await
            .unwrap_err();
        if refused_link {
            assert!(
                matches!(err, UpdateOrganizationError::Forbidden(f) if f.action == Action::LinkClerkOrganization),
                "{err:?}"
            );
        } else {
            assert!(matches!(err, UpdateOrganizationError::NotFound), "{err:?}");
        }
    }
}

#[tokio::test]
async fn outreach_is_win_only_and_members_do_not_edit_plans() {
    use winserve_application::{NewPlan, OutreachActionError};
    use winserve_domain::OutreachChannel;
    // No outreach or segment expectation: neither guard may reach a port.
    let services = Mocks::default().services();
    let plan = || NewPlan {
        name: "Doors".into(),
        channel: OutreachChannel::DoorKnocking,
        segment_id: None,
        script: String::new(),
        scheduled_for: None,
    };
    let serve = OrgScope::for_tests_as(
        user(),
        org_details(org_with_district(Mode::Serve)),
        Role::Owner,
    );
    let err = services.outreach.create(&serve, plan()).await.unwrap_err();
    assert!(matches!(err, OutreachActionError::WrongMode(_)), "{err:?}");
    let err = services.outreach.list(&serve).await.unwrap_err();
    assert!(matches!(err, OutreachActionError::WrongMode(_)), "{err:?}");
    let err = services
        .outreach
        .create(&as_role(Role::Member), plan())
        .await
        .unwrap_err();
    assert!(
        matches!(err, OutreachActionError::Forbidden(f) if f == refused(Action::EditOutreach, Role::Member)),
        "{err:?}"
    );
}

#[tokio::test]
async fn polls_are_serve_only_and_members_do_not_edit_them() {
    use winserve_application::{NewPoll, OutreachActionError, PollActionError};
    use winserve_domain::{OutcomeRecord, OutreachOutcome, VoterId};
    // No poll, segment, contact or SMS expectation: neither guard may reach a port.
    let services = Mocks::default().services();
    let poll = || NewPoll {
        question: "Sundays?".into(),
        options: Some(vec!["Yes".into(), "No".into()]),
        segment_id: None,
    };
    let win = as_role(Role::Owner);
    let err = services.polls.create(&win, poll()).await.unwrap_err();
    assert!(matches!(err, PollActionError::WrongMode(_)), "{err:?}");
    let err = services.polls.results(&win, "x").await.unwrap_err();
    assert!(matches!(err, PollActionError::WrongMode(_)), "{err:?}");
    let serve_as =
        |role| OrgScope::for_tests_as(user(), org_details(org_with_district(Mode::Serve)), role);
    for role in [Role::Member] {
        let scope = serve_as(role);
        let err = services.polls.create(&scope, poll()).await.unwrap_err();
        assert!(
            matches!(err, PollActionError::Forbidden(f) if f == refused(Action::EditPolls, role)),
            "{err:?}"
        );
        let err = services.polls.send(&scope, "x").await.unwrap_err();
        assert!(matches!(err, PollActionError::Forbidden(_)), "{err:?}");
        let err = services.polls.close(&scope, "x").await.unwrap_err();
        assert!(matches!(err, PollActionError::Forbidden(_)), "{err:?}");
    }
    // Outreach results and summaries are Win-only too.
    let serve = serve_as(Role::Owner);
    let record = OutcomeRecord {
        contact: VoterId::from_uuid(uuid::Uuid::nil()),
        outcome: OutreachOutcome::Contacted,
    };
    let err = services
        .outreach
        .record_results(&serve, "x", vec![record])
        .await
        .unwrap_err();
    assert!(matches!(err, OutreachActionError::WrongMode(_)), "{err:?}");
    let err = services.outreach.summary(&serve, "x").await.unwrap_err();
    assert!(matches!(err, OutreachActionError::WrongMode(_)), "{err:?}");
}
