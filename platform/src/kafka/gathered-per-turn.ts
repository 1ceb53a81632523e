/**
 * Work handed in during one turn of the event loop, run as one.
 *
 * kafkajs gives every partition of a fetch its own `eachBatch` call, and
 * with `partitionsConsumedConcurrently` those calls start together, in the
 * same turn. At a moderate rate each holds one or two messages, so six
 * partitions made six transactions (and six offset commits) where one would
 * do. `join` adds a caller's items to the group that is still open; the
 * group runs once this turn's callbacks are done (`setImmediate`), and every
 * caller in it gets the group's result. A group never holds more than
 * `maxItems`: a caller that would overflow it starts the next one.
 */
export function gatheredPerTurn<T, R>(run: (items: T[]) => Promise<R>, maxItems: number): (items: T[]) => Promise<R> {
  let open: { items: T[]; done: Promise<R> } | undefined;
  return (items) => {
    if (!open || open.items.length + items.length > maxItems) {
      const group: { items: T[]; done: Promise<R> } = { items: [], done: Promise.resolve() as Promise<R> };
      group.done = new Promise<R>((resolve, reject) => {
        setImmediate(() => {
          if (open === group) open = undefined;
          run(group.items).then(resolve, reject);
        });
      });
      open = group;
    }
    open.items.push(...items);
    return open.done;
  };
}
