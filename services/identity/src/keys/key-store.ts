import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { type Pool, type PoolClient, withTransaction } from "@emporium/platform/db/pool";

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: string;
}

export interface SigningKey {
  kid: string;
  publicJwk: PublicJwk;
  privateKey: KeyObject;
  createdAt: Date;
}

interface KeyRow {
  kid: string;
  public_jwk: PublicJwk;
  private_enc: Buffer;
  created_at: Date;
}

/** AES-256-GCM under a key derived from the configured secret: iv (12) | tag (16) | ciphertext. */
function sealer(secret: string) {
  const key = createHash("sha256").update(secret).digest();
  return {
    seal(plain: Buffer): Buffer {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed: Buffer): Buffer {
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    },
  };
}

/** Ed25519 signing keys in Postgres, private halves encrypted at rest. */
export function createKeyStore(pool: Pool, encryptionSecret: string) {
  const { seal, open } = sealer(encryptionSecret);
  const toKey = (row: KeyRow): SigningKey => ({
    kid: row.kid,
    publicJwk: row.public_jwk,
    privateKey: createPrivateKey({ key: JSON.parse(open(row.private_enc).toString("utf8")), format: "jwk" }),
    createdAt: row.created_at,
  });
  return {
    /** Makes a new key; from now on it signs (rotation). */
    async rotate(db: Pool | PoolClient = pool): Promise<SigningKey> {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      const kid = randomBytes(12).toString("base64url");
      const jwk = publicKey.export({ format: "jwk" });
      const publicJwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: String(jwk.x), kid, alg: "EdDSA", use: "sig" };
      const privateJwk = Buffer.from(JSON.stringify(privateKey.export({ format: "jwk" })));
      await db.query("INSERT INTO signing_keys (kid, public_jwk, private_enc) VALUES ($1, $2, $3)", [kid, publicJwk, seal(privateJwk)]);
      return { kid, publicJwk, privateKey, createdAt: new Date() };
    },
    /** Rotates when there is no key or the newest is older than `maxAgeMs`; one instance at a time. */
    async ensureFresh(maxAgeMs: number): Promise<void> {
      await withTransaction(pool, async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('identity.signing_keys'))");
        const { rows } = await tx.query<{ created_at: Date }>("SELECT created_at FROM signing_keys ORDER BY created_at DESC LIMIT 1");
        const newest = rows[0]?.created_at.getTime();
        if (newest === undefined || Date.now() - newest > maxAgeMs) await this.rotate(tx);
      });
    },
    /** The newest key first: it signs; the one before it still verifies. */
    async current(): Promise<SigningKey[]> {
      const { rows } = await pool.query<KeyRow>("SELECT * FROM signing_keys ORDER BY created_at DESC, kid LIMIT 2");
      return rows.map(toKey);
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
