import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { trace } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import { type DurationHistogram, type DurationRecorder, durationHistogram, secondsSince } from "../metrics/duration-histogram.js";
import { GRPC_CODE_COUNT, grpcCodeName } from "./grpc-code-names.js";

const LABELS = ["rpc_service", "rpc_method", "rpc_response_status_code"] as const;

/**
 * The series of one method by status code, made the first time each is
 * seen: finding one costs a map lookup by the method's descriptor (the same
 * object on every call) and an array index.
 */
function recordersByMethod(histogram: DurationHistogram) {
  const byMethod = new Map<DescMethod, (DurationRecorder | undefined)[]>();
  return (method: DescMethod, code: number): DurationRecorder => {
    let byCode = byMethod.get(method);
    if (byCode === undefined) {
      byCode = new Array(GRPC_CODE_COUNT);
      byMethod.set(method, byCode);
    }
    let recorder = byCode[code];
    if (recorder === undefined) {
      recorder = histogram.recorder(method.parent.typeName, method.name, grpcCodeName(code));
      byCode[code] = recorder;
    }
    return recorder;
  };
}

/** Records the call's duration when it ends: now for unary, when drained or failed for streams. */
function durationInterceptor(histogram: DurationHistogram): Interceptor {
  const recorderFor = recordersByMethod(histogram);
  return (next) => async (req) => {
    const started = performance.now();
    // The span the call runs in (server: its SERVER span; client: the caller's), for the exemplar.
    const span = trace.getActiveSpan()?.spanContext();
    const record = (code: number) => recorderFor(req.method, code).observe(secondsSince(started), span);
    try {
      const res = await next(req);
      if (!res.stream) {
        record(0);
        return res;
      }
      return { ...res, message: recordWhenDrained(res.message, record) };
    } catch (error) {
      record(ConnectError.from(error).code);
      throw error;
    }
  };
}

/** A stream counts when it ends: drained (OK), failed (its code), or abandoned by the caller (CANCELLED). */
async function* recordWhenDrained<T>(stream: AsyncIterable<T>, record: (code: number) => void): AsyncIterable<T> {
  let code: number = Code.Canceled;
  try {
    yield* stream;
    code = 0;
  } catch (error) {
    code = ConnectError.from(error).code;
    throw error;
  } finally {
    record(code);
  }
}

/**
 * `rpc_server_duration_seconds` by service, method and gRPC status code,
 * for every call this server handles (place it inside the tracing
 * interceptor, so exemplars name the call's own trace).
 */
export function serverMetricsInterceptor(registry: Registry): Interceptor {
  return durationInterceptor(
    durationHistogram(registry, {
      name: "rpc_server_duration_seconds",
      help: "Duration of RPCs handled by this process (server side), by service, method and gRPC status code.",
      labelNames: LABELS,
    }),
  );
}

/** `rpc_client_duration_seconds`: the same for every call this process makes, measured by the caller. */
export function clientMetricsInterceptor(registry: Registry): Interceptor {
  return durationInterceptor(
    durationHistogram(registry, {
      name: "rpc_client_duration_seconds",
      help: "Duration of RPCs this process made (client side), by service, method and gRPC status code.",
      labelNames: LABELS,
    }),
  );
}
