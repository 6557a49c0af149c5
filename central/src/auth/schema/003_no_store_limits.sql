-- A store's credential exchange has no sign-in limit any more (its secret is 256 random bits checked with one fast
-- hash, see auth/passwords.ts), so the store:<id>|<address> and store-ip:<address> rows are dead: drop them. People's
-- keys are now user:<email>|<address>, account:<email> (across addresses) and ip:<address>.
DELETE FROM sign_in_attempts WHERE key LIKE 'store:%' OR key LIKE 'store-ip:%';
