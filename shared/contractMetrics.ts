// The metrics desks read (issue 21 item 3): margin ratio, utilisation, excess, and the price move per underlying
// that takes an account to call, to liquidation and to bankruptcy, all computed exactly by the server. Merged into
// the contract in contract.ts.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { defineCommand, returns } from './command.ts';

/** A move of one underlying: signed percent to 2 places, rounded toward zero ("-12.34"); "0.00": there already. */
export interface MoveView {
  underlying: string;
  percent: string;
  /** The account is there already (no move needed); percent is then "0.00". */
  already: boolean;
}

export interface UnderlyingMovesView {
  underlying: string;
  /** null: no move of this underlying alone gets the account there. */
  call: string | null;
  liquidation: string | null;
  bankruptcy: string | null;
}

/** A price (8 places, half-even) at which a position's unit gets somewhere; already: it is there at the mark now. */
export interface PriceAt {
  price: string;
  already: boolean;
}

/** Per position: the mark at which its unit reaches call, liquidation and zero equity, that instrument alone moving. */
export interface PositionPricesView {
  instrument: string;
  call: PriceAt | null;
  liquidation: PriceAt | null;
  zeroEquity: PriceAt | null;
}

export interface AccountMetrics {
  /** MM / equity, 8 places; null when equity <= 0 (no ratio: the account has nothing against its margin). */
  marginRatio: string | null;
  /** IM / equity, 8 places; null when equity <= 0. */
  utilisation: string | null;
  /** equity - IM, USD exact (negative: short of initial margin). */
  excess: string;
  /** Per underlying the account holds, the three moves. */
  moves: UnderlyingMovesView[];
  /** Per position, its call, liquidation and zero-equity prices (null: no price of it alone gets there). */
  positions: PositionPricesView[];
  /** The nearest move over the underlyings, for each threshold. */
  nearest: { call: MoveView | null; liquidation: MoveView | null; bankruptcy: MoveView | null };
}

/** The nearest moves of every account of the latest cycle, in the accounts table's order (id order). */
export interface AccountsMoves {
  cycle: number | null;
  columns: {
    id: string[];
    toCall: (MoveView | null)[];
    toLiquidation: (MoveView | null)[];
    toBankruptcy: (MoveView | null)[];
  };
}

export const metricsContract = {
  /**
   * For each account of the latest cycle, the nearest price move (over its underlyings) to call, liquidation and
   * bankruptcy, at the cycle's prices: loaded after accounts.list, whose columns it completes.
   */
  'accounts.moves': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<AccountsMoves>(),
    emits: [],
    refuses: [],
  }),
} as const;
