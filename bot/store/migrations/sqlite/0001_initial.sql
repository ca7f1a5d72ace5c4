-- newsbot schema, version 1. Every table is keyed by workspace (team_id; '' = the default workspace).
-- Datetimes are UTC ISO-8601 text of fixed width (YYYY-MM-DDTHH:MM:SS.ffffff+00:00): text order is time order.

CREATE TABLE digests (
    team_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    spec       TEXT NOT NULL,               -- JSON of the DigestSpec (bot.store.codec)
    source     TEXT NOT NULL CHECK (source IN ('file', 'slack')),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_by TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (team_id, name)
);

-- One row per scheduled occurrence of a digest: the claim, then its outcome.
CREATE TABLE posts (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    channel    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed')),
    post_key   TEXT NOT NULL,               -- uuid4 hex, the same across attempts (message metadata)
    attempts   INTEGER NOT NULL,
    owner      TEXT,
    expires    TEXT,                        -- end of the claim's lease (status claimed)
    retry_at   TEXT,                        -- earliest next attempt (status failed)
    ts         TEXT,                        -- Slack message ts (status posted)
    posted_at  TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (team_id, digest, occurrence)
);
CREATE INDEX posts_by_status ON posts (team_id, digest, status, occurrence);

-- Every article URL shown in a channel, so that a story is never repeated there.
CREATE TABLE post_urls (
    team_id    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    url        TEXT NOT NULL,
    digest     TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    UNIQUE (team_id, digest, occurrence, url)
);
CREATE INDEX post_urls_by_channel ON post_urls (team_id, channel);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT NOT NULL,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    digest  TEXT NOT NULL,
    details TEXT NOT NULL                   -- JSON object
);
CREATE INDEX audit_by_team ON audit (team_id, id);
