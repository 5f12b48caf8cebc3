-- Security hardening (postgres). Keep equivalent to ../sqlite/20261207000001_hardening.sql.

-- API tokens end: at a date chosen when they are made (the setting api_token_max_days at
-- most), and when the account's password changes (revoked in the same transaction).
-- A read-only token reads the API and changes nothing. Tokens made before expiry existed
-- get a year from their creation.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_tokens SET expires_at = created_at + 365 * 86400;

-- Failed logins are now also counted per account and client address together
-- (`account:<digest>|address:<ip>`); a manager finds a crew member's locks by the digest.
