

CREATE FUNCTION public.leonar_workspace_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('leonar_workspace', '*');
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('leonar_workspace', OLD.workspace);
        ELSE
            PERFORM pg_notify('leonar_workspace', NEW.workspace);
            IF TG_OP = 'UPDATE' THEN
                PERFORM pg_notify('leonar_workspace', OLD.workspace);
            END IF;
        END IF;
        RETURN NULL;
    END $$;

CREATE TABLE public.follow_digest_events (
    follow_id text NOT NULL,
    key text NOT NULL,
    workspace text NOT NULL,
    event text NOT NULL
);

CREATE TABLE public.follow_outbox (
    key text NOT NULL,
    workspace text NOT NULL,
    project_id text NOT NULL,
    follow_id text NOT NULL,
    channel_id text NOT NULL,
    payload text,
    state text NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

CREATE TABLE public.follow_poll_status (
    workspace text NOT NULL,
    interval_seconds double precision NOT NULL,
    stretched boolean NOT NULL,
    projects integer NOT NULL
);

CREATE TABLE public.followed_projects (
    workspace text NOT NULL,
    project_id text NOT NULL,
    snapshot text,
    since timestamp with time zone,
    polls integer DEFAULT 0 NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    next_poll_at double precision DEFAULT 0 NOT NULL,
    holder text,
    lease_until timestamp with time zone
);

CREATE TABLE public.follows (
    id text NOT NULL,
    workspace text NOT NULL,
    channel_id text NOT NULL,
    project_id text NOT NULL,
    data text NOT NULL,
    stopped text,
    digest_last timestamp with time zone,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

CREATE TABLE public.last_projects (
    workspace text NOT NULL,
    user_id text NOT NULL,
    project_id text NOT NULL,
    project_name text NOT NULL
);

CREATE TABLE public.leonar_connections (
    workspace text NOT NULL,
    enterprise_id text,
    team_id text,
    api_key_encrypted text NOT NULL,
    connected_by text NOT NULL,
    connected_at timestamp with time zone NOT NULL
);

CREATE TABLE public.leonar_schema (
    version integer NOT NULL
);

CREATE TABLE public.recent_adds (
    id bigint NOT NULL,
    workspace text NOT NULL,
    user_id text NOT NULL,
    contact text NOT NULL,
    project text NOT NULL,
    stage text,
    at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.recent_adds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.recent_adds_id_seq OWNED BY public.recent_adds.id;

CREATE TABLE public.slack_bots (
    workspace text NOT NULL,
    data_encrypted text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.slack_oauth_states (
    state text NOT NULL,
    expires_at double precision NOT NULL
);

CREATE TABLE public.workspace_settings (
    workspace text NOT NULL,
    default_channel text,
    show_contact_details boolean DEFAULT false NOT NULL,
    allow_guests boolean DEFAULT false NOT NULL,
    leonar_slug text
);

ALTER TABLE ONLY public.recent_adds ALTER COLUMN id SET DEFAULT nextval('public.recent_adds_id_seq'::regclass);

INSERT INTO public.follow_digest_events VALUES ('F60a06df159524fc', 'ev-1', '-:T0001', '{"kind": "added"}');

INSERT INTO public.follow_outbox VALUES ('post-1', '-:T0001', 'P1', 'F60a06df159524fc', 'C0001', '{"text": "pending post"}', 'pending', '2026-12-07 18:52:58.596611+00');

INSERT INTO public.follow_poll_status VALUES ('-:T0001', 120, false, 1);

INSERT INTO public.followed_projects VALUES ('-:T0001', 'P1', '{"E1": ["S1", "2026-11-20T10:00:00Z", "C1"]}', '2026-11-20 10:00:00+00', 1, 0, 1796669638.5940683, 'holder-1', '2026-12-07 18:53:28.593779+00');

INSERT INTO public.follows VALUES ('F60a06df159524fc', '-:T0001', 'C0001', 'P1', '{"project_name": "Backend Engineer", "created_by": "U0001", "filter": {"new": true, "moves": true, "hires": true, "from": null}, "delivery": "digest", "digest_hour": 9, "time_zone": "Europe/Paris", "lang": "fr", "from_stage_name": null}', NULL, NULL, '2026-12-07 18:52:58.592173+00');

INSERT INTO public.last_projects VALUES ('-:T0001', 'U0001', 'P1', 'Backend Engineer');

INSERT INTO public.leonar_connections VALUES ('-:T0001', NULL, 'T0001', 'gAAAAABrFwCK8pslbTls3_CzsnPHB3IFf4LRGnjE9zIMon0segg4AMm_Y87z8KV9Bq2hW3_NeIEvKMiAy363_E1TOa0nn8kjrB06aaCclUgRQwUFDaXY_Hg=', 'U0001', '2026-12-07 18:52:58+00');

INSERT INTO public.leonar_schema VALUES (1);
INSERT INTO public.leonar_schema VALUES (2);
INSERT INTO public.leonar_schema VALUES (3);
INSERT INTO public.leonar_schema VALUES (4);
INSERT INTO public.leonar_schema VALUES (5);
INSERT INTO public.leonar_schema VALUES (6);
INSERT INTO public.leonar_schema VALUES (7);
INSERT INTO public.leonar_schema VALUES (8);
INSERT INTO public.leonar_schema VALUES (9);

INSERT INTO public.recent_adds VALUES (1, '-:T0001', 'U0001', 'Ada Lovelace', 'Backend Engineer', 'Call', '2026-11-20 10:30:00+00');

INSERT INTO public.slack_bots VALUES ('-:T0001', 'gAAAAABrFwCKCZTSPdgGpFBMWxG8qfUKJcf_fxdTUETF6CmlAifNDDJ-V1j5F4C0omAcpA3WM6p6YvKOnNDnexWEooNLhY9WRzrEWm_VU-J-aRR_48bPPw3MYGeIJXuP7KnGrndeK2suSr2v3JxB9Kp2MqvGPwLUKg==', '2026-12-07 18:52:58.58442+00');

INSERT INTO public.slack_oauth_states VALUES ('legacy-state', 1954349578.586606);

INSERT INTO public.workspace_settings VALUES ('-:T0001', 'C0009', true, true, 'acme-corp');

SELECT pg_catalog.setval('public.recent_adds_id_seq', 1, true);

ALTER TABLE ONLY public.follow_digest_events
    ADD CONSTRAINT follow_digest_events_pkey PRIMARY KEY (follow_id, key);

ALTER TABLE ONLY public.follow_outbox
    ADD CONSTRAINT follow_outbox_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.follow_poll_status
    ADD CONSTRAINT follow_poll_status_pkey PRIMARY KEY (workspace);

ALTER TABLE ONLY public.followed_projects
    ADD CONSTRAINT followed_projects_pkey PRIMARY KEY (workspace, project_id);

ALTER TABLE ONLY public.follows
    ADD CONSTRAINT follows_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.follows
    ADD CONSTRAINT follows_workspace_channel_id_project_id_key UNIQUE (workspace, channel_id, project_id);

ALTER TABLE ONLY public.last_projects
    ADD CONSTRAINT last_projects_pkey PRIMARY KEY (workspace, user_id);

ALTER TABLE ONLY public.leonar_connections
    ADD CONSTRAINT leonar_connections_pkey PRIMARY KEY (workspace);

ALTER TABLE ONLY public.recent_adds
    ADD CONSTRAINT recent_adds_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.slack_bots
    ADD CONSTRAINT slack_bots_pkey PRIMARY KEY (workspace);

ALTER TABLE ONLY public.slack_oauth_states
    ADD CONSTRAINT slack_oauth_states_pkey PRIMARY KEY (state);

ALTER TABLE ONLY public.workspace_settings
    ADD CONSTRAINT workspace_settings_pkey PRIMARY KEY (workspace);

CREATE INDEX follow_outbox_pending ON public.follow_outbox USING btree (workspace, project_id, state);

CREATE INDEX recent_adds_workspace ON public.recent_adds USING btree (workspace, id DESC);

CREATE INDEX slack_oauth_states_expiry ON public.slack_oauth_states USING btree (expires_at);

CREATE TRIGGER leonar_connections_changed AFTER INSERT OR DELETE OR UPDATE ON public.leonar_connections FOR EACH ROW EXECUTE FUNCTION public.leonar_workspace_changed();

CREATE TRIGGER leonar_tables_truncated AFTER TRUNCATE ON public.leonar_connections FOR EACH STATEMENT EXECUTE FUNCTION public.leonar_workspace_changed();

CREATE TRIGGER slack_bots_changed AFTER INSERT OR DELETE OR UPDATE ON public.slack_bots FOR EACH ROW EXECUTE FUNCTION public.leonar_workspace_changed();

CREATE TRIGGER slack_bots_truncated AFTER TRUNCATE ON public.slack_bots FOR EACH STATEMENT EXECUTE FUNCTION public.leonar_workspace_changed();

CREATE TRIGGER workspace_settings_changed AFTER INSERT OR DELETE OR UPDATE ON public.workspace_settings FOR EACH ROW EXECUTE FUNCTION public.leonar_workspace_changed();

CREATE TRIGGER workspace_settings_truncated AFTER TRUNCATE ON public.workspace_settings FOR EACH STATEMENT EXECUTE FUNCTION public.leonar_workspace_changed();


