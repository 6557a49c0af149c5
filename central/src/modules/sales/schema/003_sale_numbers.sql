-- Numbers people read and type (#17): a till sale carries its receipt number (`S001-03-00123`: store code, lane,
-- per-lane sequence) and a return its slip number (`S001-03-R00007`). Head office and the store look sales up by it.
-- Not unique: a store node rebuilt from scratch starts its lanes' sequences again, and its sales must still apply;
-- a lookup lists every sale of that number the caller may see, by store. NULL on events from stores before #17.
ALTER TABLE sales ADD COLUMN number text;
CREATE INDEX sales_number ON sales (number) WHERE number IS NOT NULL;
ALTER TABLE sale_returns ADD COLUMN number text;
ALTER TABLE sale_returns ADD COLUMN sale_number text;
