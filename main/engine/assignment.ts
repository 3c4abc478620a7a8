// Assignment of exercised options to the short holders (issue 18). The lots the longs exercised are assigned to the
// shorts, as many as the shorts hold at most (a ledger's book need not be flat: exercised lots beyond the shorts'
// are the clearinghouse's, short lots beyond the exercised ones expire unassigned). Two methods, a policy value:
// - pro rata: each short is assigned its share of the lots, exact whole lots by the largest remainder; a remainder
//   lot tied between shorts goes to the one first in account order;
// - random: the shorts are put in an order drawn from the seed (a Fisher-Yates shuffle driven by splitmix64), and
//   each in turn is assigned all it holds until the exercised lots run out. The seed is the policy's, mixed with the
//   instrument's id so that two options expiring together draw apart; it is recorded with the expiry.
// Pure and exact: integers only.
import { largestRemainder } from '../../shared/units.ts';

export type AssignmentMethod = 'pro_rata' | 'random';

export const DEFAULT_ASSIGNMENT: { method: AssignmentMethod; seed: bigint } = { method: 'pro_rata', seed: 1n };

const MASK = (1n << 64n) - 1n;

/** FNV-1a (64-bit) of a string's UTF-16 code units: the seed of one option's draw. */
export function drawSeed(policySeed: bigint, instrument: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const ch of `${policySeed}:${instrument}`) {
    h ^= BigInt(ch.charCodeAt(0));
    h = (h * 0x100000001b3n) & MASK;
  }
  return h;
}

/** splitmix64: a 64-bit generator whose every output follows from the seed alone. */
function generator(seed: bigint): () => bigint {
  let state = seed & MASK;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
}

/** The order (indices of `n` shorts) a random assignment visits them in. */
export function drawOrder(n: number, seed: bigint): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const next = generator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Number(next() % BigInt(i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Lots assigned to each short (by index of `shortLots`, each > 0): min(exercised, sum of shortLots) in all, none
 * more than its holding.
 */
export function assign(exercised: bigint, shortLots: readonly bigint[], method: AssignmentMethod, seed: bigint): bigint[] {
  const held = shortLots.reduce((a, b) => a + b, 0n);
  const total = exercised < held ? exercised : held;
  if (method === 'pro_rata') return largestRemainder(total, shortLots);
  const out = shortLots.map(() => 0n);
  let left = total;
  for (const i of drawOrder(shortLots.length, seed)) {
    if (left === 0n) break;
    const take = shortLots[i]! < left ? shortLots[i]! : left;
    out[i] = take;
    left -= take;
  }
  return out;
}
