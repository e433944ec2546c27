DROP TABLE sms_webhook_deliveries;
DROP TABLE sms_opt_outs;
DROP TABLE poll_responses;
DROP TABLE poll_recipients;
DROP TABLE polls;
ALTER TABLE elected_offices DROP CONSTRAINT elected_offices_id_organization_key;
