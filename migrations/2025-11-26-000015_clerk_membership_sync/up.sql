-- Clerk is the source of truth for the members of a linked organization (issue 15, ADR 0027). Tokens
-- (lazily) and webhooks (eagerly) both bring its word; these tables let an older word never override a
-- newer one, and a redelivered webhook change nothing.

-- The last removal of a Clerk user from a Clerk organization: a token issued before it (its `iat`)
-- cannot bring the membership back; one issued after it (Clerk re-added them) can.
CREATE TABLE clerk_membership_removals (
    clerk_organization_id text NOT NULL,
    -- The Clerk user id (a token's `sub`).
    user_sub text NOT NULL,
    removed_at timestamptz NOT NULL,
    CONSTRAINT clerk_membership_removals_pkey PRIMARY KEY (clerk_organization_id, user_sub)
);

-- Every webhook delivery applied, by its Svix message id: a redelivery is acknowledged and ignored.
CREATE TABLE clerk_webhook_deliveries (
    svix_id text CONSTRAINT clerk_webhook_deliveries_pkey PRIMARY KEY
        CONSTRAINT clerk_webhook_deliveries_svix_id_shape CHECK (char_length(svix_id) BETWEEN 1 AND 200),
    event_type text NOT NULL,
    received_at timestamptz NOT NULL
);
