import { Code, ConnectError } from "@connectrpc/connect";

/** A price from its minor units (cents for EUR/USD), in the currency's own number of decimals. */
export function formatMoney(money: { currencyCode: string; amountMinor: bigint } | undefined): string {
  if (!money?.currencyCode) return "";
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: money.currencyCode });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(Number(money.amountMinor) / 10 ** digits);
}

/** What to tell the shopper about a failed call: the server's own message, or a hint when it could not be reached. */
export function describeError(error: unknown): string {
  const connectError = ConnectError.from(error);
  switch (connectError.code) {
    case Code.Unavailable:
    case Code.Unknown:
      return `The shop could not be reached (${connectError.rawMessage}). Try again.`;
    case Code.ResourceExhausted:
      return "Too many requests just now. Wait a moment and try again.";
    default:
      return connectError.rawMessage;
  }
}
