-- A pizzeria's rush controls (sqlite). Keep equivalent to
-- ../postgres/20261207000006_rush_controls.sql. Each control ends by itself at its time
-- (UTC epoch seconds); NULL or a past time: not in force.
CREATE TABLE rush_controls (
    pizzeria_id             BIGINT PRIMARY KEY REFERENCES pizzerias (id) ON DELETE CASCADE,
    web_paused_until        BIGINT,
    deliveries_paused_until BIGINT,
    extra_lead_minutes      BIGINT NOT NULL DEFAULT 0 CHECK (extra_lead_minutes BETWEEN 0 AND 60),
    extra_lead_until        BIGINT
);

-- Who used them, when, and what for (the manager's page lists them).
CREATE TABLE rush_log (
    id          INTEGER PRIMARY KEY,
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action      TEXT NOT NULL CHECK (action IN ('pause_web', 'pause_deliveries', 'extra_lead', 'resume')),
    minutes     BIGINT NOT NULL CHECK (minutes >= 0),
    extra_lead_minutes BIGINT NOT NULL CHECK (extra_lead_minutes >= 0),
    created_at  BIGINT NOT NULL
);
CREATE INDEX rush_log_by_pizzeria ON rush_log (pizzeria_id, created_at);
