-- The first schema: runs, orders, fills, balances, positions, equity,
-- kill-switch and risk state, and the audit journal with its checkpoints.
-- Decimals are TEXT in their exact form; times are Unix milliseconds.
CREATE TABLE runs (
  id          TEXT PRIMARY KEY,
  mode        TEXT NOT NULL,
  config      TEXT NOT NULL,
  quote       TEXT NOT NULL,
  capital     TEXT NOT NULL,
  status      TEXT NOT NULL,
  started_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  events      BIGINT NOT NULL DEFAULT 0,
  events_hash TEXT NOT NULL DEFAULT '',
  bars        BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE orders (
  client_id  TEXT PRIMARY KEY,
  run_id     TEXT NOT NULL REFERENCES runs(id),
  symbol     TEXT NOT NULL,
  side       TEXT NOT NULL,
  type       TEXT NOT NULL,
  tif        TEXT NOT NULL,
  quantity   TEXT NOT NULL,
  quote_qty  TEXT NOT NULL,
  price      TEXT NOT NULL,
  stop_price TEXT NOT NULL,
  status     TEXT NOT NULL,
  filled_qty TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX orders_by_run_status ON orders(run_id, status);
CREATE TABLE fills (
  venue            TEXT NOT NULL,
  symbol           TEXT NOT NULL,
  trade_id         BIGINT NOT NULL,
  run_id           TEXT NOT NULL REFERENCES runs(id),
  client_id        TEXT NOT NULL REFERENCES orders(client_id),
  side             TEXT NOT NULL,
  price            TEXT NOT NULL,
  qty              TEXT NOT NULL,
  commission       TEXT NOT NULL,
  commission_asset TEXT NOT NULL,
  maker            BOOLEAN NOT NULL,
  time             BIGINT NOT NULL,
  PRIMARY KEY (venue, symbol, trade_id)
);
CREATE INDEX fills_by_run ON fills(run_id, time);
CREATE TABLE balances (
  run_id     TEXT NOT NULL REFERENCES runs(id),
  asset      TEXT NOT NULL,
  total      TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, asset)
);
CREATE TABLE positions (
  run_id     TEXT NOT NULL REFERENCES runs(id),
  symbol     TEXT NOT NULL,
  qty        TEXT NOT NULL,
  cost       TEXT NOT NULL,
  realized   TEXT NOT NULL,
  fees_quote TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, symbol)
);
CREATE TABLE equity (
  run_id TEXT NOT NULL REFERENCES runs(id),
  time   BIGINT NOT NULL,
  equity TEXT NOT NULL,
  PRIMARY KEY (run_id, time)
);
CREATE TABLE kill_switch (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  tripped BOOLEAN NOT NULL,
  by_name TEXT NOT NULL,
  reason  TEXT NOT NULL,
  cause   TEXT NOT NULL,
  at      BIGINT NOT NULL
);
CREATE TABLE risk_state (
  run_id     TEXT PRIMARY KEY REFERENCES runs(id),
  state      TEXT NOT NULL,
  cause      TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE journal (
  seq       INTEGER PRIMARY KEY,
  time      BIGINT NOT NULL,
  actor     TEXT NOT NULL,
  kind      TEXT NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE TABLE journal_checkpoint (
  seq        BIGINT PRIMARY KEY,
  hash       TEXT NOT NULL,
  time       BIGINT NOT NULL,
  public_key TEXT NOT NULL,
  signature  TEXT NOT NULL
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal records cannot be changed'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal records cannot be deleted'); END;
CREATE TRIGGER journal_checkpoint_no_update BEFORE UPDATE ON journal_checkpoint
BEGIN SELECT RAISE(ABORT, 'journal checkpoints cannot be changed'); END;
CREATE TRIGGER journal_checkpoint_no_delete BEFORE DELETE ON journal_checkpoint
BEGIN SELECT RAISE(ABORT, 'journal checkpoints cannot be deleted'); END;
