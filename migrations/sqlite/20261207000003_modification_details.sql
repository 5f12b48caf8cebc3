-- What a customer's modification changed, in the kitchen's words (sqlite). Keep equivalent
-- to ../postgres/20261207000003_modification_details.sql.
ALTER TABLE order_transitions ADD COLUMN details TEXT;
