import type { Pool, PoolClient } from "@emporium/platform/db/pool";

type Queryable = Pool | PoolClient;

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: "customer" | "admin";
}

const UNIQUE_VIOLATION = "23505";

export const userStore = {
  /** Inserts the user; false when the email is taken. */
  async insert(db: Queryable, user: UserRow): Promise<boolean> {
    try {
      await db.query("INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, $4)", [
        user.id,
        user.email,
        user.password_hash,
        user.role,
      ]);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  },

  async byEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
    return (await db.query<UserRow>("SELECT id, email, password_hash, role FROM users WHERE email = $1", [email])).rows[0];
  },

  async byId(db: Queryable, id: string): Promise<UserRow | undefined> {
    return (await db.query<UserRow>("SELECT id, email, password_hash, role FROM users WHERE id = $1", [id])).rows[0];
  },

  /** Creates or promotes an administrator with this password. */
  async upsertAdmin(db: Queryable, user: Omit<UserRow, "role">): Promise<void> {
    await db.query(
      `INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, 'admin')
       ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'`,
      [user.id, user.email, user.password_hash],
    );
  },
};
