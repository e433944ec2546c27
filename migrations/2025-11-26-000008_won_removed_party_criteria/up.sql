-- A win that copies segments into the new Serve organization strips their party criteria and reports
-- them (`removed_party_criteria`). The report is part of the win's answer, so it is recorded with the
-- `campaign_won` event, in the win's transaction: recording the same result again answers exactly what the
-- first call did (ADR 0004). A JSON array of {segment_id, name, party}; NULL on every other kind of event,
-- and on wins recorded before this column existed (their replays report no removed criteria).
ALTER TABLE lifecycle_events
    ADD COLUMN removed_party_criteria jsonb NULL
        CONSTRAINT lifecycle_events_removed_party_criteria_on_win CHECK (
            removed_party_criteria IS NULL
            OR (kind = 'campaign_won' AND jsonb_typeof(removed_party_criteria) = 'array'));
