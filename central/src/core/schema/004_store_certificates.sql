-- Stores' client certificates for mutual TLS (issue #27, central/src/auth/store-certificates*.ts). An ADMIN registers
-- a certificate (signed by TLS_CLIENT_CA_FILE's CA) for a store; a store presenting a registered, valid one on its TLS
-- connection gets a token without its secret. Only what identifies a certificate is kept, never a key.
CREATE TABLE store_certificates (
  store_id text NOT NULL,
  fingerprint text NOT NULL,        -- sha256 of the certificate's DER, lower-case hex
  subject text NOT NULL,
  issuer text NOT NULL,
  serial text NOT NULL,
  not_before bigint NOT NULL,       -- epoch ms
  not_after bigint NOT NULL,
  registered_at bigint NOT NULL,
  registered_by text,               -- the admin's user id
  PRIMARY KEY (store_id, fingerprint)
);
-- one certificate names one store
CREATE UNIQUE INDEX store_certificates_fingerprint ON store_certificates (fingerprint);

-- Per store: must it present its certificate (its secret refused)? Also the row each change to a store's
-- certificates locks first, so the count of active certificates and the policy are decided one change at a time.
CREATE TABLE store_certificate_policy (
  store_id text PRIMARY KEY,
  required boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL
);
