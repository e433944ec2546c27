-- Invitations to join an organization (issue 15). The token is shown once, to the inviter; only its
-- SHA-256 is stored, so a leaked table invites nobody. Single use, 7 days.
CREATE TABLE organization_invitations (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL
        CONSTRAINT organization_invitations_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    -- Normalised (trimmed, lower case): the accepting token's email claim is compared the same way.
    email text NOT NULL CONSTRAINT organization_invitations_email_normalized
        CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%' AND char_length(email) <= 254),
    role text NOT NULL CONSTRAINT organization_invitations_role_known CHECK (role IN ('admin', 'member')),
    token_hash bytea NOT NULL CONSTRAINT organization_invitations_token_hash_key UNIQUE
        CONSTRAINT organization_invitations_token_hash_length CHECK (octet_length(token_hash) = 32),
    invited_by uuid NOT NULL CONSTRAINT organization_invitations_invited_by_fkey REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz NULL,
    accepted_by uuid NULL CONSTRAINT organization_invitations_accepted_by_fkey REFERENCES users (id),
    revoked_at timestamptz NULL,
    CONSTRAINT organization_invitations_expiry_after_creation CHECK (expires_at > created_at),
    CONSTRAINT organization_invitations_accepted_by_whom CHECK ((accepted_at IS NULL) = (accepted_by IS NULL)),
    CONSTRAINT organization_invitations_accepted_or_revoked CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);

-- One open invitation per organization and email: inviting again replaces it (the old token dies).
CREATE UNIQUE INDEX organization_invitations_one_open_per_email ON organization_invitations (organization_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
