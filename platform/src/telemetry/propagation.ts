import { type Context, context, propagation, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";

/** A plain string map, as carried in Kafka headers and outbox rows. */
export type Carrier = Record<string, string>;

const setter: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** W3C traceparent/tracestate of a context (the active one by default). */
export function injectTraceContext(ctx: Context = context.active()): Carrier {
  const carrier: Carrier = {};
  propagation.inject(ctx, carrier, setter);
  return carrier;
}

/** The context carried by traceparent/tracestate, on top of the root context. */
export function extractTraceContext(carrier: Carrier): Context {
  return propagation.extract(context.active(), carrier, getter);
}
