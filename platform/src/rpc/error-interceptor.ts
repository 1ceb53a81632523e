import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../errors/domain-errors.js";
import { toConnectError } from "../errors/error-mapping.js";
import type { Logger } from "../log/logger.js";

/**
 * Turns what handlers throw into Connect errors in one place: domain errors
 * keep their safe message, anything unexpected is logged with its cause and
 * answered as a bare Internal error. A streaming handler's errors surface
 * while its messages are read, so they are mapped there too.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const rpc = () => `${req.service.typeName}/${req.method.name}`;
    const mapped = (error: unknown) => {
      if (!(error instanceof DomainError) && !(error instanceof ConnectError))
        logger.error({ err: error, rpc: rpc() }, "rpc handler failed");
      return toConnectError(error);
    };
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, mapped) };
    } catch (error) {
      throw mapped(error);
    }
  };
}

async function* mapStreamErrors<T>(stream: AsyncIterable<T>, mapped: (error: unknown) => ConnectError): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (error) {
    throw mapped(error);
  }
}
