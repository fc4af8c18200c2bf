-- Taskwire's store, version 1. Plain SQL that SQLite and PostgreSQL both take: no AUTOINCREMENT,
-- no JSON types (documents are TEXT), times as milliseconds since the epoch (BIGINT).

-- The master's identity: one row, made at the first start, announced to slaves so that they can
-- hand back what they ran for it.
CREATE TABLE master_identity (
  id VARCHAR(64) PRIMARY KEY,
  created_at BIGINT NOT NULL
);

-- Every job the scheduler keeps: the columns it looks jobs up by, the rest as one JSON document
-- (data, options, attempts, result, failure, edges), written whole at each change.
CREATE TABLE jobs (
  id VARCHAR(200) PRIMARY KEY,
  seq BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  submitted_at BIGINT NOT NULL,
  finished_at BIGINT,
  document TEXT NOT NULL
);
CREATE INDEX jobs_by_status ON jobs (status, seq);
CREATE INDEX jobs_by_finished_at ON jobs (finished_at);

-- Connections made through the admin API, made again after a restart.
CREATE TABLE connections (
  name VARCHAR(200) PRIMARY KEY,
  document TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- Group limits set through the API.
CREATE TABLE group_limits (
  group_name VARCHAR(200) PRIMARY KEY,
  running INTEGER NOT NULL
);

-- The scheduler's totals (submitted, completed, ...) and the next job's sequence number.
CREATE TABLE counters (
  name VARCHAR(64) PRIMARY KEY,
  value BIGINT NOT NULL
);
