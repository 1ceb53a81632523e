CREATE TABLE users (
  id             uuid PRIMARY KEY,
  email          text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('customer', 'admin')),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens are stored as SHA-256 hashes. A family is one sign-in: every
-- rotation adds a token to it, and presenting a spent token revokes it whole.
CREATE TABLE refresh_tokens (
  token_hash  bytea PRIMARY KEY,
  family_id   uuid NOT NULL,
  user_id     uuid NOT NULL REFERENCES users (id),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- Ed25519 signing keys; the private half encrypted with AES-256-GCM under
-- IDENTITY_KEY_ENCRYPTION_SECRET. The newest key signs; JWKS also lists the
-- one before it, so tokens signed just before a rotation still verify.
CREATE TABLE signing_keys (
  kid          text PRIMARY KEY,
  public_jwk   jsonb NOT NULL,
  private_enc  bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
