-- A live session's starting balances at the exchange: what it holds is the
-- exchange's balance less these, which reconciliation compares.
CREATE TABLE baselines (
  run_id     TEXT NOT NULL REFERENCES runs(id),
  asset      TEXT NOT NULL,
  total      TEXT NOT NULL,
  PRIMARY KEY (run_id, asset)
);
