-- Accounts and web security (SQLite). Keep equivalent to ../postgres/20261126000001_accounts.sql.

-- A password set by someone else (an admin's reset, `user add`) must be changed at next login.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- When a customer erased their account (RGPD): personal data gone, orders kept.
ALTER TABLE users ADD COLUMN erased_at BIGINT;
ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

-- A session ends after this many seconds without a request, or at expires_at, whichever first.
ALTER TABLE sessions ADD COLUMN idle_timeout_seconds BIGINT NOT NULL DEFAULT 7200 CHECK (idle_timeout_seconds > 0);

-- Failed logins per key: `account:<sha256 of the e-mail>` or `address:<client IP>`.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL CHECK (failures >= 0),
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0
);

-- Personal tokens for scripts and integrations (`Authorization: Bearer …`), stored hashed.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   BIGINT NOT NULL DEFAULT (unixepoch()),
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
