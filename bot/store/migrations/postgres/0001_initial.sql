-- newsbot schema, version 1 (PostgreSQL). The same tables and keys as migrations/sqlite/0001_initial.sql,
-- in native types: datetimes are timestamptz (UTC in, UTC out), JSON is jsonb, flags are boolean.

CREATE TABLE digests (
    team_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    spec       JSONB NOT NULL,              -- the DigestSpec (bot.store.codec)
    source     TEXT NOT NULL CHECK (source IN ('file', 'slack')),
    enabled    BOOLEAN NOT NULL,
    created_by TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, name)
);

-- One row per scheduled occurrence of a digest: the claim, then its outcome.
CREATE TABLE posts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    occurrence TIMESTAMPTZ NOT NULL,
    channel    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed')),
    post_key   TEXT NOT NULL,               -- uuid4 hex, the same across attempts (message metadata)
    attempts   INTEGER NOT NULL,
    owner      TEXT,
    expires    TIMESTAMPTZ,                 -- end of the claim's lease (status claimed)
    retry_at   TIMESTAMPTZ,                 -- earliest next attempt (status failed)
    ts         TEXT,                        -- Slack message ts (status posted)
    posted_at  TIMESTAMPTZ,
    detail     TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (team_id, digest, occurrence)
);
CREATE INDEX posts_by_status ON posts (team_id, digest, status, occurrence);

-- Every article URL shown in a channel, so that a story is never repeated there.
CREATE TABLE post_urls (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    url        TEXT NOT NULL,
    digest     TEXT NOT NULL,
    occurrence TIMESTAMPTZ NOT NULL,
    UNIQUE (team_id, digest, occurrence, url)
);
CREATE INDEX post_urls_by_channel ON post_urls (team_id, channel);

CREATE TABLE audit (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    digest  TEXT NOT NULL,
    details JSONB NOT NULL
);
CREATE INDEX audit_by_team ON audit (team_id, id);
