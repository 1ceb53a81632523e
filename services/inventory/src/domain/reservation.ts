export interface RequestedLine {
  productId: string;
  quantity: number;
}

export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

export type ReservationPlan = { ok: true; lines: RequestedLine[] } | { ok: false; shortages: Shortage[] };

/**
 * All or nothing: an order is reserved only when every line fits in the
 * available stock; otherwise every short line is reported and nothing is held.
 * Unknown products count as zero available.
 */
export function planReservation(lines: RequestedLine[], available: ReadonlyMap<string, number>): ReservationPlan {
  const shortages = lines
    .map((line) => ({ productId: line.productId, requested: line.quantity, available: available.get(line.productId) ?? 0 }))
    .filter((line) => line.available < line.requested);
  return shortages.length === 0 ? { ok: true, lines } : { ok: false, shortages };
}
