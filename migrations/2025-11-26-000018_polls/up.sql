-- Polls (a Serve-only feature): an elected office asks its constituents a question by text message and
-- reports what they answered. Polls hang off the **elected office** (Serve-only data references
-- elected_offices, product.md §8), so they can never appear in a Win organization. organization_id is the
-- office's (the composite key below holds it), so that every query scopes by the organization a request
-- acts in.
--
-- Archived organizations (an office that ended) are read-only. As for outreach plans (000016), that is
-- enforced by the service and the repository, not by a trigger: every write that changes a poll, its
-- audience or its responses first takes the owner's row FOR SHARE (lock_then_archived: waiting for a
-- lifecycle change that may archive the organization) and then refuses an archived organization; the
-- webhook that records replies only looks for open polls of organizations that are not archived. The one
-- deliberate exception is sms_opt_outs: an opt-out is recorded and honoured whatever the state of the
-- office, because a person's STOP must never be lost.

-- Target of the composite key below (already unique by its id).
ALTER TABLE elected_offices ADD CONSTRAINT elected_offices_id_organization_key UNIQUE (id, organization_id);

CREATE TABLE polls (
    id uuid PRIMARY KEY,
    office_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    question text NOT NULL
        CONSTRAINT polls_question_shape CHECK (btrim(question) <> '' AND char_length(question) <= 320),
    -- The choices, in order (a reply `1`/`A` is the first); NULL: a free-text poll.
    options text[] NULL CONSTRAINT polls_options_shape CHECK (
        options IS NULL
        OR (array_ndims(options) = 1 AND cardinality(options) BETWEEN 2 AND 6
            AND array_position(options, NULL) IS NULL)),
    -- A segment of the same organization, or none (the whole district). A segment used by a poll cannot
    -- be deleted (the poll would silently widen to the whole district).
    segment_id uuid NULL,
    status text NOT NULL CONSTRAINT polls_status_known CHECK (status IN ('draft', 'sent', 'closed')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Set exactly when the poll left draft (its audience was frozen then).
    sent_at timestamptz NULL,
    -- Set exactly when the poll was closed.
    closed_at timestamptz NULL,
    CONSTRAINT polls_sent_at_matches_status CHECK ((status <> 'draft') = (sent_at IS NOT NULL)),
    CONSTRAINT polls_closed_at_matches_status CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT polls_closed_after_sent CHECK (closed_at IS NULL OR closed_at >= sent_at),
    CONSTRAINT polls_office_fkey FOREIGN KEY (office_id, organization_id)
        REFERENCES elected_offices (id, organization_id),
    CONSTRAINT polls_segment_fkey FOREIGN KEY (segment_id, organization_id)
        REFERENCES segments (id, organization_id)
);

-- GET /v1/polls: an office's polls, newest first.
CREATE INDEX polls_listing ON polls (organization_id, created_at DESC, id DESC);
-- Deleting a segment checks its polls.
CREATE INDEX polls_segment ON polls (segment_id) WHERE segment_id IS NOT NULL;

-- The send snapshot and its outbox: who the poll was sent to, and the message queued for each (one per
-- recipient) that a delivery worker hands to the SMS provider. Written once, when the poll is sent; only
-- the delivery status changes afterwards.
--
-- Recipients are the audience's contacts with a cell phone, minus the numbers opted out of the office
-- (sms_opt_outs), one per number: voters who share a cell phone get one message, sent to the first of
-- them in the send's order, so that a reply from that number names one recipient.
--
-- Never party: the breakdown attributes captured here are the non-party ones that segments use, as they
-- were at send time, and there is deliberately no party column. A voter who later leaves the voter file
-- stays here, so there is no foreign key to voters (like outreach_audience).
CREATE TABLE poll_recipients (
    poll_id uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter_id uuid NOT NULL,
    -- The voter's partition key (voters are keyed by (state, id)).
    state text NOT NULL CONSTRAINT poll_recipients_state_shape CHECK (state ~ '^[A-Z]{2}$'),
    -- The cell phone, normalized to E.164 (winserve_domain::normalize_phone), as SMS providers report
    -- the sender of a reply.
    phone text NOT NULL CONSTRAINT poll_recipients_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    -- The message queued for this recipient (winserve_domain::outbound_text).
    message text NOT NULL CONSTRAINT poll_recipients_message_size CHECK (char_length(message) <= 1600),
    -- The order of the outbox (1..n), for GET /v1/polls/{id}/outbox pages.
    position integer NOT NULL CONSTRAINT poll_recipients_position_positive CHECK (position > 0),
    status text NOT NULL DEFAULT 'queued'
        CONSTRAINT poll_recipients_status_known CHECK (status IN ('queued', 'sent', 'failed')),
    -- When the message was queued: the poll's sent_at.
    queued_at timestamptz NOT NULL,
    -- When the provider accepted it.
    sent_at timestamptz NULL,
    -- The breakdown attributes (criteria values, as in voter_districts), never party.
    age_range text NOT NULL CONSTRAINT poll_recipients_age_range_known
        CHECK (age_range IN ('18_24', '25_34', '35_49', '50_plus', 'unknown')),
    gender text NOT NULL CONSTRAINT poll_recipients_gender_known
        CHECK (gender IN ('male', 'female', 'unknown')),
    voter_status text NOT NULL CONSTRAINT poll_recipients_voter_status_known
        CHECK (voter_status IN ('super', 'likely', 'unreliable', 'unlikely', 'first_time', 'unknown')),
    CONSTRAINT poll_recipients_pkey PRIMARY KEY (poll_id, voter_id),
    CONSTRAINT poll_recipients_position_key UNIQUE (poll_id, position),
    CONSTRAINT poll_recipients_phone_key UNIQUE (poll_id, phone),
    CONSTRAINT poll_recipients_sent_at_matches_status CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

-- An inbound reply goes to the most recently sent open poll, of any office, that messaged its number:
--   SELECT r.poll_id, r.voter_id FROM poll_recipients r JOIN polls p ON p.id = r.poll_id
--   JOIN organizations o ON o.id = p.organization_id
--   WHERE r.phone = $1 AND p.status = 'sent' AND o.archived_at IS NULL
--   ORDER BY r.queued_at DESC, r.poll_id DESC LIMIT 1
-- This index walks a number's polls newest first (queued_at is the poll's sent_at) and stops at the first
-- open one; a number is in few polls, so the join is a handful of primary-key probes.
CREATE INDEX poll_recipients_by_phone ON poll_recipients (phone, queued_at DESC, poll_id DESC);
-- The delivery worker's queue.
CREATE INDEX poll_recipients_queued ON poll_recipients (queued_at, poll_id, position) WHERE status = 'queued';

-- Each recipient's answer. A recipient has at most one: a later reply replaces the earlier one (people
-- correct themselves), compared by received_at so that a late redelivery of an older reply changes
-- nothing. An unrecognized reply (both option_index and free_text NULL, raw kept) never replaces a
-- recognized one: the upsert's WHERE leaves a recognized answer in place. Only replies to open polls are
-- recorded.
CREATE TABLE poll_responses (
    poll_id uuid NOT NULL,
    voter_id uuid NOT NULL,
    -- The choice (0-based) of a multiple-choice poll.
    option_index smallint NULL CONSTRAINT poll_responses_option_index_range CHECK (option_index BETWEEN 0 AND 5),
    -- The answer to a free-text poll.
    free_text text NULL CONSTRAINT poll_responses_free_text_size CHECK (char_length(free_text) <= 1600),
    -- The reply as received (cleaned and cut to 1600 characters).
    raw text NOT NULL CONSTRAINT poll_responses_raw_size CHECK (char_length(raw) <= 1600),
    received_at timestamptz NOT NULL,
    CONSTRAINT poll_responses_pkey PRIMARY KEY (poll_id, voter_id),
    CONSTRAINT poll_responses_recipient_fkey FOREIGN KEY (poll_id, voter_id)
        REFERENCES poll_recipients (poll_id, voter_id) ON DELETE CASCADE,
    CONSTRAINT poll_responses_one_kind CHECK (option_index IS NULL OR free_text IS NULL)
);

-- Numbers that replied STOP to a poll of an office: no later poll of that office messages them (the next
-- send leaves them out). Kept whatever happens to the office or its organization — no cascade, no archive
-- guard — and re-opting in is not a feature.
CREATE TABLE sms_opt_outs (
    office_id uuid NOT NULL CONSTRAINT sms_opt_outs_office_id_fkey REFERENCES elected_offices (id),
    phone text NOT NULL CONSTRAINT sms_opt_outs_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    -- The first STOP (a repeated STOP keeps it).
    opted_out_at timestamptz NOT NULL,
    CONSTRAINT sms_opt_outs_pkey PRIMARY KEY (office_id, phone)
);

-- Every inbound SMS delivery applied, by its Standard Webhooks id (webhook-id): a redelivery is
-- acknowledged and ignored. A signature is only accepted within 5 minutes of its timestamp, so an id can
-- only be replayed for that long: rows older than a day may be deleted (the index makes that cheap).
CREATE TABLE sms_webhook_deliveries (
    webhook_id text CONSTRAINT sms_webhook_deliveries_pkey PRIMARY KEY
        CONSTRAINT sms_webhook_deliveries_webhook_id_shape CHECK (char_length(webhook_id) BETWEEN 1 AND 200),
    received_at timestamptz NOT NULL
);
CREATE INDEX sms_webhook_deliveries_received_at ON sms_webhook_deliveries (received_at);
