// A position taken into an account's holding (issue 17's auction award, issue 18's option exercise): added to what
// the account holds in the instrument, any part that nets out realised at the price it is taken at. Pure.
import type { Instrument, Policy, Position } from './model.ts';
import { closeEffect } from './closeMath.ts';
import { lotsValue } from './lotValue.ts';

/** Adds `q` lots at value `value` (micro-USD, at the mark) to a cross position, realising any part that nets out. */
export function mergeInto(pos: Position | undefined, account: string, inst: Instrument, q: bigint, value: bigint, mark: bigint, policy: Policy): { position: Position | null; cash: bigint } {
  if (!pos || pos.quantity === 0n) return { position: { account, instrument: inst.id, quantity: q, entryValue: value, isolatedMargin: null }, cash: 0n };
  if (pos.quantity > 0n === q > 0n) return { position: { ...pos, quantity: pos.quantity + q, entryValue: pos.entryValue + value }, cash: 0n };
  const held = pos.quantity < 0n ? -pos.quantity : pos.quantity;
  const incoming = q < 0n ? -q : q;
  const n = held < incoming ? held : incoming;
  const close = pos.quantity > 0n ? n : -n;
  const eff = closeEffect({ quantity: pos.quantity, entryValue: pos.entryValue, close, price: mark, inst, policy: { ...policy, liquidationFeeRate: 0n, insuranceFeeRate: 0n } });
  const restHeld = pos.quantity - close;
  const restIn = q + close;
  if (restHeld !== 0n) return { position: { ...pos, quantity: restHeld, entryValue: pos.entryValue - eff.portion }, cash: eff.cash };
  if (restIn !== 0n) return { position: { account, instrument: inst.id, quantity: restIn, entryValue: lotsValue(inst, restIn, mark), isolatedMargin: pos.isolatedMargin }, cash: eff.cash };
  return { position: null, cash: eff.cash };
}
