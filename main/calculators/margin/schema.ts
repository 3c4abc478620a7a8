// The what-if input (methodology §10): a standalone portfolio, every number a decimal string. The JSON Schema in
// docs/schemas/margin-input.schema.json is generated from this (npm run schemas) and checked by a test.
import { z } from 'zod';
import { isoTime, positiveDecimal, decimal, unsignedDecimal, writtenDecimal } from '../../../shared/schemaParts.ts';

const dec = decimal;
const pos = unsignedDecimal('expected a non-negative decimal string');
// A price, strike or size of 0 has no meaning (and divides by zero downstream): refused at the door, field named.
const positive = positiveDecimal.describe('greater than 0');
const rate = pos.describe('a rate as a decimal fraction, e.g. "0.004" for 0.4%');
// The bounds themselves are checked in main/input/rates.ts, shared with the CSV imports.
const rateAtMost1 = pos.describe('a rate as a decimal fraction, at most 1 (100%)');
const rateBelow1 = pos.describe('a rate as a decimal fraction, below 1 (100%)');

export const policySchema = z
  .object({
    callTrigger: z.enum(['maintenance', 'initial']).optional(),
    liquidationHealth: rateAtMost1.optional(),
    targetHealth: rate.optional(),
    liquidationFeeRate: rateAtMost1.optional(),
    insuranceFeeRate: rateAtMost1.optional(),
    amountScale: z.number().int().min(0).max(6).optional(),
    cureMinutes: z.number().int().min(1).optional(),
  })
  .strict();

export const assetSchema = z
  .object({
    id: z.string().min(1),
    price: positive.describe('USD per unit of the asset, greater than 0'),
    haircuts: z.array(z.object({ floor: pos, haircut: rateBelow1 }).strict()).min(1).optional(),
  })
  .strict();

export const instrumentSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['future', 'perpetual', 'option']),
    underlying: z.string().min(1),
    multiplier: positive,
    lot: positive,
    tick: positive.optional(),
    margin: z.enum(['tiered', 'portfolio']),
    tiers: z.array(z.object({ floor: pos, mmr: rateAtMost1, imr: rateAtMost1 }).strict()).optional(),
    slippage: rateBelow1.optional(),
    impact: z
      .array(z.object({ floor: pos, rate: rateBelow1 }).strict())
      .min(1)
      .optional()
      .describe('size-based impact table: slippage rate by closed notional (USD at the mark), bracketed like tiers; replaces slippage'),
    expiry: isoTime
      .optional()
      .describe('for Black-76: not before asOf; at expiry (expiry = asOf) an option is worth its intrinsic value max(0, +-(F - K))'),
    right: z.enum(['call', 'put']).optional(),
    strike: positive.optional(),
    underlyingInstrument: z.string().optional(),
    shortOptionMinimum: pos.optional(),
    volatility: rate.optional().describe('Black-76 volatility, used when the option has no price'),
    rate: dec.optional().describe('Black-76 interest rate, used when the option has no price'),
    scanRange: pos.optional().describe('portfolio: the price scan range as USD per one long contract (price move x multiplier)'),
    volShift: rate.optional().describe('portfolio: volatility points up and down in the scenarios, e.g. "0.04"'),
    imMultiplier: pos.optional().describe('portfolio: IM = MM x this, at least 1; default "1.1"'),
    riskArray: z
      .array(dec)
      .length(16)
      .optional()
      .describe("portfolio: the 16 scenario P&Ls of one long contract in methodology §4's order (USD, gain positive), used as given"),
  })
  .strict();

export const positionSchema = z
  .object({
    instrument: z.string().min(1),
    quantity: dec,
    entryPrice: pos,
    isolatedMargin: pos.optional(),
  })
  .strict();

export const accountSchema = z
  .object({
    id: z.string().min(1),
    mode: z.enum(['cross', 'isolated']).optional(),
    collateral: z.record(z.string(), dec).optional(),
    positions: z.array(positionSchema).optional(),
  })
  .strict();

export const spreadSchema = z
  .object({
    id: z.string().min(1),
    legs: z.array(z.object({ underlying: z.string().min(1), ratio: pos }).strict()).min(2),
    rate,
    priority: z.number().int(),
  })
  .strict();

export const marginInputSchema = z
  .object({
    asOf: isoTime.optional().describe('the valuation time; needed when an option is priced by Black-76'),
    policy: policySchema.optional(),
    assets: z.array(assetSchema).optional(),
    instruments: z.array(instrumentSchema).min(1),
    prices: z.record(z.string(), pos).describe('the mark of each instrument: greater than 0, except an option\'s, which may be 0'),
    accounts: z.array(accountSchema).min(1),
    spreads: z.array(spreadSchema).optional(),
  })
  .strict();

export type MarginInput = z.infer<typeof marginInputSchema>;

const amount = writtenDecimal;
const greeksSchema = z
  .object({
    delta: amount.describe('underlying units (contracts x multiplier)'),
    gamma: amount.describe('change of delta per 1.0 of the underlying price'),
    vega: amount.describe('USD per volatility point (0.01)'),
    theta: amount.describe('USD per calendar day'),
  })
  .strict();
const status = z.enum(['healthy', 'warning', 'call', 'liquidation', 'bankrupt']);

export const marginOutputSchema = z
  .object({
    accounts: z.array(
      z
        .object({
          id: z.string(),
          equity: amount.describe('cross-part equity, USD'),
          im: amount,
          mm: amount,
          health: amount.nullable().describe('equity / MM to 8 decimal places; null when MM is 0'),
          status: status.describe('the worst status over the cross part and each isolated position'),
          call: amount.nullable().describe('margin call amount rounded up to policy.amountScale, or null'),
          positions: z.array(
            z
              .object({
                instrument: z.string(),
                notional: amount,
                upnl: amount,
                im: amount,
                mm: amount,
                liquidationPrice: amount.nullable().describe('mark at which equity = MM, 8 dp; null when none exists. A portfolio-margined position or an option: its underlying instrument\'s price (an option with none: its own), found by scanning, at which its margin unit\'s equity first meets MM (docs/portfolio-margin.md)'),
                bankruptcyPrice: amount.nullable().describe('per unit, for closing the whole position, 8 dp. A portfolio-margined position or an option: its underlying instrument\'s price (an option with none: its own), found by scanning, at which its margin unit\'s equity first falls to zero; null when none within the bound, or when an option cannot be moved with its underlying (no volatility or expiry, or no asOf)'),
                isolated: z.object({ equity: amount, im: amount, mm: amount, status }).strict().optional(),
                greeks: greeksSchema.optional().describe('a portfolio-margined position\'s greeks (Black-76 for an option), when it can be priced'),
              })
              .strict(),
          ),
          greeks: greeksSchema.optional().describe('the sum of the portfolio positions\' greeks; present when the account holds one'),
          commodities: z
            .array(
              z
                .object({
                  underlying: z.string(),
                  scanRisk: amount.describe('max(0, the worst loss over the 16 scenarios), USD'),
                  credits: amount.describe('inter-commodity spread credits taken, USD'),
                  mm: amount.describe('max(scanRisk - credits, short option minimum)'),
                  im: amount.describe('mm x imMultiplier, rounded up'),
                  worstScenario: z
                    .object({
                      scenario: z.number().int().min(1).max(16).describe("methodology §4's numbering"),
                      label: z.string(),
                      pnl: amount.describe("the commodity's P&L in that scenario (a loss is negative)"),
                    })
                    .strict(),
                })
                .strict(),
            )
            .describe('combined commodities of the portfolio-margined positions (methodology §4), by underlying'),
          liquidationPlan: z
            .array(
              z
                .object({
                  instrument: z.string(),
                  side: z.enum(['buy', 'sell']),
                  quantity: amount.describe('in the instrument\'s units (lots x lot)'),
                  estimatedPrice: amount.describe('the mark moved against the liquidated side by its slippage, to the tick'),
                  fee: amount.describe('liquidation fee plus insurance-fund fee, each rounded up to policy.amountScale'),
                })
                .strict(),
            )
            .optional()
            .describe('the partial closes that restore targetHealth (methodology §7); present when the status is liquidation or bankrupt'),
        })
        .strict(),
    ),
  })
  .strict();

export type MarginOutput = z.infer<typeof marginOutputSchema>;
export type AccountOut = MarginOutput['accounts'][number];
