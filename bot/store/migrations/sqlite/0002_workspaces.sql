-- newsbot schema, version 2: several workspaces (OAuth installs) in one database.

-- One row per installed workspace (or Enterprise Grid org): the bot token and who installed it.
-- Tokens are Fernet-encrypted ("fernet:…") when NEWSBOT_SECRET_KEY is set (bot.store.secrets).
CREATE TABLE installations (
    install_key   TEXT PRIMARY KEY,         -- "<enterprise_id>:<team_id>" ('' for an absent part)
    enterprise_id TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    bot_token     TEXT,
    user_token    TEXT,
    refresh_token TEXT,
    details       TEXT NOT NULL,            -- JSON: slack_sdk Installation fields without secrets
    installed_at  TEXT NOT NULL
);
CREATE INDEX installations_by_team ON installations (team_id);

-- OAuth "state" values issued by /slack/install, consumed once by /slack/oauth_redirect.
CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);

-- Which workspace a single-workspace bot token (SLACK_BOT_TOKEN) belongs to, by SHA-256 of the
-- token, so a restart while Slack is unreachable still keys records by the right team.
CREATE TABLE known_tokens (
    fingerprint   TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL,
    enterprise_id TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
