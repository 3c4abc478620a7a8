// The cash leg of a physical delivery at a price (issue 18): the long pays the value of what it receives, rounded up
// (money demanded), the short is paid the value of what it delivers, rounded down (money paid out), methodology §1.
import { lotsNotional, lotsValue, type LotTick } from './lotValue.ts';

/** Micro-USD for `lots` (signed) delivered at `price` ticks: negative paid by the long, positive paid to the short. */
export function deliveryCash(inst: LotTick, lots: bigint, price: bigint): bigint {
  return lots > 0n ? -lotsNotional(inst, lots, price) : lotsValue(inst, -lots, price);
}
