DROP TABLE clerk_webhook_deliveries;
DROP TABLE clerk_membership_removals;
