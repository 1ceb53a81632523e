import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../errors/domain-errors.js";
import { toConnectError } from "../errors/error-mapping.js";
import type { Logger } from "../log/logger.js";

/**
 * Turns what handlers throw into Connect errors in one place: domain errors
 * keep their safe message, anything unexpected is logged with its cause and
 * answered as a bare Internal error.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (!(error instanceof DomainError) && !(error instanceof ConnectError)) {
        logger.error({ err: error, rpc: `${req.service.typeName}/${req.method.name}` }, "rpc handler failed");
      }
      throw toConnectError(error);
    }
  };
}
