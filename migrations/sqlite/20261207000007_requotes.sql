-- Live re-quotes (sqlite). Keep equivalent to ../postgres/20261207000007_requotes.sql.
-- When the kitchen or the drivers fall behind, the end of an open order's new estimated
-- window (UTC epoch seconds; NULL: on time), and when its customer was told of the delay
-- (once per order).
ALTER TABLE orders ADD COLUMN requoted_for BIGINT;
ALTER TABLE orders ADD COLUMN delay_notified_at BIGINT;
