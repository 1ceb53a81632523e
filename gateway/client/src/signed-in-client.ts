import { createEmporiumClient, type EmporiumClient, type EmporiumClientOptions } from "./client.js";
import { createSession, type Session } from "./session.js";

/**
 * The usual wiring for an app: a session whose identity calls go without a
 * token (so a refresh never waits on itself), and clients whose calls carry
 * the session's token, refreshed as needed.
 */
export function createSignedInClient(options: Omit<EmporiumClientOptions, "accessToken" | "renewAccessToken">): EmporiumClient & {
  session: Session;
} {
  const session = createSession({ identity: createEmporiumClient(options).identity });
  const client = createEmporiumClient({ ...options, accessToken: session.accessToken, renewAccessToken: session.renewAccessToken });
  return { ...client, session };
}
