BEGIN TRANSACTION;
CREATE TABLE follow_digest_events (follow_id TEXT NOT NULL, key TEXT NOT NULL, workspace TEXT NOT NULL,
    event TEXT NOT NULL, PRIMARY KEY (follow_id, key));
INSERT INTO "follow_digest_events" VALUES('F3d4b6234cb3646e','ev-1','-:T0001','{"kind": "added"}');
CREATE TABLE follow_outbox (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, project_id TEXT NOT NULL,
    follow_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT, state TEXT NOT NULL, created_at REAL NOT NULL);
INSERT INTO "follow_outbox" VALUES('post-1','-:T0001','P1','F3d4b6234cb3646e','C0001','{"text": "pending post"}','pending',1.7966695727169742584e+09);
CREATE TABLE follow_poll_status (workspace TEXT PRIMARY KEY, interval_seconds REAL NOT NULL,
    stretched INTEGER NOT NULL, projects INTEGER NOT NULL);
INSERT INTO "follow_poll_status" VALUES('-:T0001',120.0,0,1);
CREATE TABLE followed_projects (workspace TEXT NOT NULL, project_id TEXT NOT NULL, snapshot TEXT,
    since TEXT, polls INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    next_poll_at REAL NOT NULL DEFAULT 0, holder TEXT, lease_until REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, project_id));
INSERT INTO "followed_projects" VALUES('-:T0001','P1','{"E1": ["S1", "2026-11-20T10:00:00Z", "C1"]}','2026-11-20T10:00:00+00:00',1,0,1.79666963271672415732e+09,'holder-1',1.79666960271611428259e+09);
CREATE TABLE follows (id TEXT PRIMARY KEY, workspace TEXT NOT NULL, channel_id TEXT NOT NULL,
    project_id TEXT NOT NULL, data TEXT NOT NULL, stopped TEXT, digest_last TEXT, created_at REAL NOT NULL,
    UNIQUE (workspace, channel_id, project_id));
INSERT INTO "follows" VALUES('F3d4b6234cb3646e','-:T0001','C0001','P1','{"project_name": "Backend Engineer", "created_by": "U0001", "filter": {"new": true, "moves": true, "hires": true, "from": null}, "delivery": "digest", "digest_hour": 9, "time_zone": "Europe/Paris", "lang": "fr", "from_stage_name": null}',NULL,NULL,1.7966695727154035568e+09);
CREATE TABLE "last_projects" (
   "workspace" TEXT,
   "user_id" TEXT,
   "project_id" TEXT,
   "project_name" TEXT,
   PRIMARY KEY ("workspace", "user_id")
);
INSERT INTO "last_projects" VALUES('-:T0001','U0001','P1','Backend Engineer');
CREATE TABLE "leonar_connections" (
   "workspace" TEXT PRIMARY KEY,
   "enterprise_id" TEXT,
   "team_id" TEXT,
   "api_key_encrypted" TEXT NOT NULL,
   "connected_by" TEXT,
   "connected_at" TEXT
);
INSERT INTO "leonar_connections" VALUES('-:T0001',NULL,'T0001','gAAAAABrFwCE9Qzz8UyoGuiJosXJqXUsS8dBNVpBhZS4htEZU8b7MQwckZxejlw_YRJ2TPRSZR2kCYRWfbvQz4xKyGTWWQIOnK3QCdyKxuDsL9KhWmdbz0s=','U0001','2026-12-07T18:52:52+00:00');
CREATE TABLE "recent_adds" (
   "id" INTEGER PRIMARY KEY,
   "workspace" TEXT,
   "user_id" TEXT,
   "contact" TEXT,
   "project" TEXT,
   "stage" TEXT,
   "at" TEXT
);
INSERT INTO "recent_adds" VALUES(1,'-:T0001','U0001','Ada Lovelace','Backend Engineer','Call','2026-11-20T10:30:00+00:00');
CREATE TABLE "slack_bots" (
   "workspace" TEXT PRIMARY KEY,
   "data_encrypted" TEXT NOT NULL,
   "updated_at" TEXT
);
INSERT INTO "slack_bots" VALUES('-:T0001','gAAAAABrFwCEffuD6wNQh9HSC9LOi_kvMU-vkVArTaI37FyMnwDH7YmlDwWYFFu9xYOdB7I4SHUcaMo1swvfES4vTBLU5ZcIwgbZV4vFKp5vsADQyKehEslb6P18wU3NPgkdjpB3gOdo-CGRNjvkj-4FZ87MVrdWaQ==','2026-12-07T18:52:52.713431+00:00');
CREATE TABLE "slack_oauth_states" (
   "state" TEXT PRIMARY KEY,
   "expires_at" REAL
);
INSERT INTO "slack_oauth_states" VALUES('legacy-state',1.95434957271431851387e+09);
CREATE TABLE "workspace_settings" (
   "workspace" TEXT PRIMARY KEY,
   "default_channel" TEXT,
   "show_contact_details" INTEGER
, "allow_guests" INTEGER NOT NULL DEFAULT 0, "leonar_slug" TEXT);
INSERT INTO "workspace_settings" VALUES('-:T0001','C0009',1,1,'acme-corp');
CREATE INDEX slack_oauth_states_expiry ON slack_oauth_states (expires_at);
CREATE INDEX follow_outbox_pending ON follow_outbox (workspace, project_id, state);
COMMIT;
