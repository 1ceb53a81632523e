import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** Returns the current access token, or undefined when signed out (the call then goes anonymous). */
export type AccessTokenProvider = () => string | undefined | Promise<string | undefined>;

export interface BearerTokenOptions {
  accessToken: AccessTokenProvider;
  /**
   * Called when a unary call is refused as Unauthenticated although a token
   * was sent (it expired early, or its key was rotated): returns a fresh
   * token to retry the call once with, or undefined to give up.
   */
  renewAccessToken?: () => Promise<string | undefined>;
}

/**
 * Sends `Authorization: Bearer <token>` on every call, with the token from a
 * provider function so that a session can refresh it behind the scenes. A
 * refused unary call is retried once with a renewed token; a retry is safe
 * because the gateway refuses a bad token before any handler runs. Streams
 * are not retried here: their caller resumes them.
 */
export function bearerTokenInterceptor(options: BearerTokenOptions): Interceptor {
  return (next) => async (request) => {
    const token = await options.accessToken();
    if (token !== undefined) request.header.set("Authorization", `Bearer ${token}`);
    if (token === undefined || request.stream || !options.renewAccessToken) return next(request);
    try {
      return await next(request);
    } catch (error) {
      if (ConnectError.from(error).code !== Code.Unauthenticated) throw error;
      const renewed = await options.renewAccessToken();
      if (renewed === undefined || renewed === token) throw error;
      request.header.set("Authorization", `Bearer ${renewed}`);
      return next(request);
    }
  };
}
