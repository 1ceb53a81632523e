export interface RequestedLine {
  productId: string;
  quantity: number;
}

/**
 * A line that does not fit. A hold is all or nothing: an order is held only
 * when every line fits in the available stock; otherwise every short line
 * is reported and nothing is held. Unknown products count as zero
 * available. The rule runs in Postgres, with the rows locked
 * (migrations/0002_stock_hold.sql).
 */
export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}
