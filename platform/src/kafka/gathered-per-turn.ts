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
  interface Group {
    items: T[];
    done: Promise<R>;
  }
  let open: Group | undefined;
  const startGroup = (): Group => {
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    const group: Group = { items: [], done: promise };
    setImmediate(() => {
      if (open === group) open = undefined;
      run(group.items).then(resolve, reject);
    });
    return group;
  };
  return (items) => {
    if (!open || open.items.length + items.length > maxItems) open = startGroup();
    open.items.push(...items);
    return open.done;
  };
}
