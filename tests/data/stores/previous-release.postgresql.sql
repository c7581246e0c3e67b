-- A store made by digest before versioned schemas (postgresql): the tables as that
-- release's metadata.create_all created them, with some rows. Frozen: written once
-- from that schema, never regenerated (tests/test_migrations.py upgrades it).

CREATE TABLE deliveries (
	edition_id VARCHAR(200) NOT NULL,
	email VARCHAR(320) NOT NULL,
	variant VARCHAR(32) NOT NULL,
	state VARCHAR(24) NOT NULL,
	attempts INTEGER NOT NULL,
	reply TEXT,
	updated TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	retry_at TIMESTAMP WITHOUT TIME ZONE,
	owner VARCHAR(200),
	PRIMARY KEY (edition_id, email)
);

CREATE TABLE feeds (
	id VARCHAR(200) NOT NULL,
	location TEXT NOT NULL,
	etag TEXT,
	last_modified TEXT,
	last_success TIMESTAMP WITHOUT TIME ZONE,
	last_error TEXT,
	last_error_at TIMESTAMP WITHOUT TIME ZONE,
	failures INTEGER NOT NULL,
	problems JSON,
	PRIMARY KEY (id)
);

CREATE TABLE holds (
	edition_id VARCHAR(200) NOT NULL,
	reason TEXT NOT NULL,
	held TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	released TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (edition_id)
);

CREATE TABLE item_keys (
	key VARCHAR(1024) NOT NULL,
	item_id VARCHAR(512) NOT NULL,
	PRIMARY KEY (key)
);

CREATE TABLE items (
	id VARCHAR(512) NOT NULL,
	source_id VARCHAR(200) NOT NULL,
	source_name TEXT NOT NULL,
	url TEXT NOT NULL,
	title TEXT NOT NULL,
	published TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	language VARCHAR(8) NOT NULL,
	text TEXT NOT NULL,
	html TEXT NOT NULL,
	authors JSON NOT NULL,
	tags JSON NOT NULL,
	translation_of VARCHAR(512),
	PRIMARY KEY (id)
);
CREATE INDEX ix_items_published ON items (published);
CREATE INDEX ix_items_source_id ON items (source_id);

CREATE TABLE locks (
	name VARCHAR(300) NOT NULL,
	owner VARCHAR(200) NOT NULL,
	renewed TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (name)
);

CREATE TABLE schedule_state (
	schedule VARCHAR(100) NOT NULL,
	period_kind VARCHAR(16) NOT NULL,
	period_key VARCHAR(32) NOT NULL,
	period_start DATE NOT NULL,
	edition_id VARCHAR(200) NOT NULL,
	outcome TEXT NOT NULL,
	updated TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (schedule)
);

CREATE TABLE subscribers (
	email VARCHAR(320) NOT NULL,
	languages VARCHAR(32) NOT NULL,
	themes JSON NOT NULL,
	status VARCHAR(16) NOT NULL,
	reason TEXT,
	updated TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (email)
);

CREATE TABLE translations (
	source_key VARCHAR(64) NOT NULL,
	target_language VARCHAR(8) NOT NULL,
	source_language VARCHAR(8) NOT NULL,
	source_text TEXT NOT NULL,
	target_text TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	origin TEXT NOT NULL,
	PRIMARY KEY (source_key, target_language)
);

CREATE TABLE apscheduler_jobs (
	id VARCHAR(191) NOT NULL,
	next_run_time FLOAT(25),
	job_state BYTEA NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_apscheduler_jobs_next_run_time ON apscheduler_jobs (next_run_time);

INSERT INTO deliveries (edition_id, email, variant, state, attempts, reply, updated, retry_at, owner) VALUES ('weekly-2024-W42', 'anne@example.org', 'fr-nl', 'sent', 1, '250 2.0.0 Ok: queued', '2024-10-16 07:02:00', NULL, NULL);
INSERT INTO deliveries (edition_id, email, variant, state, attempts, reply, updated, retry_at, owner) VALUES ('weekly-2024-W42', 'gone@example.net', 'nl', 'failed-permanent', 1, '550 5.1.1 user unknown', '2024-10-16 07:02:03', NULL, 'host-a:4242');
INSERT INTO feeds (id, location, etag, last_modified, last_success, last_error, last_error_at, failures, problems) VALUES ('ai-observatory', 'https://observatory.example/feed.atom', 'W/"5e1-abc"', 'Wed, 01 Mar 2023 23:59:59 GMT', '2024-10-15 06:00:00', NULL, NULL, 0, '[["entries without a date", 4]]');
INSERT INTO feeds (id, location, etag, last_modified, last_success, last_error, last_error_at, failures, problems) VALUES ('broken', 'sources/feeds/broken.rss', NULL, NULL, NULL, 'not a feed (no <rss>, <feed> or <rdf:RDF> element)', '2024-10-15 06:00:01', 2, NULL);
INSERT INTO holds (edition_id, reason, held, released) VALUES ('weekly-2024-W41', '2 key points need a reviewed translation', '2024-10-14 06:00:00', NULL);
INSERT INTO item_keys (key, item_id) VALUES ('file:articles/2024-10-colloque-fr', 'articles/2024-10-colloque-fr');
INSERT INTO item_keys (key, item_id) VALUES ('file:articles/2024-10-colloque-nl', 'articles/2024-10-colloque-nl');
INSERT INTO item_keys (key, item_id) VALUES ('url:https://observatory.example/posts/7f3a', 'ai-observatory/7f3a');
INSERT INTO item_keys (key, item_id) VALUES ('guid:ai-observatory:tag:observatory.example,2023:7f3a', 'ai-observatory/7f3a');
INSERT INTO items (id, source_id, source_name, url, title, published, language, text, html, authors, tags, translation_of) VALUES ('articles/2024-10-colloque-fr', 'articles', 'Articles', 'https://example.org/fr/colloque', 'Colloque « IA et droit » à Luxembourg', '2024-10-14 08:30:00', 'fr', 'Le colloque réunit juristes et ingénieurs.

Deuxième paragraphe, l''été.', '<p>Le colloque réunit juristes et ingénieurs.</p><p>Deuxième paragraphe, l''été.</p>', '["Anne Dupont", "Jan Peeters"]', '["ia", "droit"]', NULL);
INSERT INTO items (id, source_id, source_name, url, title, published, language, text, html, authors, tags, translation_of) VALUES ('articles/2024-10-colloque-nl', 'articles', 'Articles', 'https://example.org/nl/colloquium', 'Colloquium ‘AI en recht’ in Luxemburg', '2024-10-14 08:30:00', 'nl', 'Het colloquium brengt juristen en ingenieurs samen.', '<p>Het colloquium brengt juristen en ingenieurs samen.</p>', '[]', '["ia"]', 'articles/2024-10-colloque-fr');
INSERT INTO items (id, source_id, source_name, url, title, published, language, text, html, authors, tags, translation_of) VALUES ('ai-observatory/7f3a', 'ai-observatory', 'AI Observatory', 'https://observatory.example/posts/7f3a', 'Model cards, one year on', '2023-03-01 23:59:59.123456', 'en', 'A look back.', '<p>A look back.</p>', '["O''Brien"]', '[]', NULL);
INSERT INTO locks (name, owner, renewed) VALUES ('send:weekly-2024-W43', 'host-b:977', '2024-10-28 06:00:30');
INSERT INTO schedule_state (schedule, period_kind, period_key, period_start, edition_id, outcome, updated) VALUES ('weekly', 'week', '2024-W42', '2024-10-14', 'weekly-2024-W42', 'built', '2024-10-21 06:00:00');
INSERT INTO subscribers (email, languages, themes, status, reason, updated) VALUES ('anne@example.org', 'fr+nl', '["regulation", "research"]', 'active', NULL, '2024-10-01 09:00:00');
INSERT INTO subscribers (email, languages, themes, status, reason, updated) VALUES ('gone@example.net', 'nl', '[]', 'bounced', '550 5.1.1 user unknown', '2024-10-16 07:02:03');
INSERT INTO translations (source_key, target_language, source_language, source_text, target_text, status, origin) VALUES ('3f9c0e1d2b4a59687766554433221100aabbccddeeff00112233445566778899', 'nl', 'fr', 'Le colloque réunit juristes et ingénieurs.', 'Het colloquium brengt juristen en ingenieurs samen.', 'reviewed', 'weekly-2024-W42.nl.xlf');
