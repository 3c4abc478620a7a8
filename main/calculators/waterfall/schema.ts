// The standalone default-management inputs and outputs (methodology §8, issue 5): `riskdesk waterfall` and
// `riskdesk adl`. Every number is a decimal string. The JSON Schemas in docs/schemas/ are generated from these
// (npm run schemas) and checked by a test.
import { z } from 'zod';
import { RECOVERY_TOOLS, FIXED_LAYERS } from '../../engine/waterfall.ts';
import { unsignedDecimal, writtenDecimal } from '../../../shared/schemaParts.ts';
import { SIGNED_DECIMAL } from '../../../shared/decimalString.ts';

const usd = unsignedDecimal('expected a non-negative decimal string such as "1250.50"');
const signed = z.string().regex(SIGNED_DECIMAL, 'expected a decimal string such as "-2.5"');
const out = writtenDecimal;
const id = z.string().min(1);

const recoveryTool = z
  .enum(RECOVERY_TOOLS, {
    error: (issue) =>
      issue.input === 'adl'
        ? 'adl is not a tool of the standalone waterfall: it needs the opposing positions (run `riskdesk adl` for the queue)'
        : `unknown recovery tool: expected one of ${RECOVERY_TOOLS.join(', ')}`,
  })
  .describe(
    'vmGainsHaircut: available = the total of vmGains; the loss is taken pro rata to each gain (largest remainder, to ' +
      'the micro-USD), never above the gain. socialisedLoss: whatever loss is left, spread over the surviving members ' +
      'pro rata to their default-fund contributions (to the micro-USD); available 0 when no survivor contributes. ' +
      'adl is refused here: it needs positions (see `riskdesk adl`).',
  );

export const waterfallInputSchema = z
  .object({
    defaulter: id.describe('the id of the defaulting member; must be one of members'),
    closeOutLoss: usd.describe("USD lost closing out the defaulter's portfolio, before its own margin is applied"),
    members: z
      .array(
        z
          .object({
            id,
            defaultFund: usd.describe('default-fund contribution, USD'),
            margin: usd.optional().describe("margin and collateral held after close-out, USD (default 0); only the defaulter's is used"),
            assessmentMultiple: usd.optional().describe("this member's assessment cap multiple, overriding policy.assessmentMultiple"),
          })
          .strict(),
      )
      .min(1)
      .describe('every clearing member, the defaulter included; ids unique'),
    ccp: z
      .object({
        firstTranche: usd.describe("the clearinghouse's own capital used before the survivors' default fund (skin in the game)"),
        secondTranche: usd.optional().describe('used after the default fund, before assessments (default 0)'),
      })
      .strict(),
    policy: z
      .object({
        assessmentMultiple: usd
          .optional()
          .describe('assessment cap per member = multiple x contribution, rounded down to the amount scale (default "2"; at most 6 decimals)'),
        amountScale: z
          .number()
          .int()
          .min(0)
          .max(6)
          .optional()
          .describe(
            'decimal places of money demanded (default 2, cents): the loss the assessment layer covers is rounded up to it ' +
              'and split in whole units of it, so each assessment is a whole number of cents and they add up exactly to ' +
              'the total demanded (at most one unit above the loss covered; the surplus stays with the clearinghouse). ' +
              'The default fund, VM haircut and socialised loss are exact to the micro-USD',
          ),
        recoveryTools: z.array(recoveryTool).optional().describe('recovery tools in the order they are used, after assessments; each at most once'),
      })
      .strict()
      .optional(),
    vmGains: z
      .array(
        z
          .object({
            member: id.optional().describe('a surviving member (give member or account, not both)'),
            account: id.optional().describe('an account (give member or account, not both)'),
            gain: usd.describe('variation-margin gains since the default, USD'),
          })
          .strict(),
      )
      .optional()
      .describe('the base of the vmGainsHaircut tool; each member or account at most once'),
  })
  .strict()
  .describe(
    'A standalone default case (methodology §8.1). The loss is taken by the layers strictly in order: defaulterMargin, ' +
      'defaulterDefaultFund, ccpFirstTranche, defaultFund (survivors, pro rata to contribution), ccpSecondTranche, ' +
      'assessments (survivors, pro rata to contribution, each capped at multiple x contribution; a capped member\'s ' +
      'excess goes to the others pro rata), then policy.recoveryTools in order. Pro-rata splits use the largest-remainder ' +
      'method, ties to the smaller id. One default in a fresh capped period: nothing assessed before counts against the caps.',
  );

export type WaterfallInput = z.infer<typeof waterfallInputSchema>;

const allocation = z
  .object({ member: z.string().optional(), account: z.string().optional(), amount: out })
  .strict()
  .describe("a holder's share of the layer's used amount");

export const waterfallOutputSchema = z
  .object({
    layers: z
      .array(
        z
          .object({
            name: z.enum([...FIXED_LAYERS, ...RECOVERY_TOOLS]),
            available: out,
            used: out.describe('the loss this layer covers; a layer is used only when every earlier one is exhausted'),
            remaining: out.describe('available - used'),
            allocations: z.array(allocation).optional().describe('recovery tools only: per-holder shares adding up to used exactly'),
          })
          .strict(),
      )
      .describe('in order: defaulterMargin, defaulterDefaultFund, ccpFirstTranche, defaultFund, ccpSecondTranche, assessments, then each recovery tool'),
    members: z.array(
      z
        .object({
          id: z.string(),
          defaultFundUsed: out.describe("the defaulter's own contribution used (layer 2), or a survivor's share of layer 4"),
          assessment: out.describe(
            'cash call, rounded to the amount scale; the assessments add up to the layer used rounded up to the amount scale. 0 for the defaulter',
          ),
          assessmentCap: out.describe('multiple x contribution, rounded down to the amount scale; 0 for the defaulter'),
        })
        .strict(),
    ),
    uncovered: out.describe('the resolution gap: closeOutLoss - the sum of used'),
  })
  .strict();

export type WaterfallOutput = z.infer<typeof waterfallOutputSchema>;

const price = usd;

export const adlInputSchema = z
  .object({
    mark: price.describe('the mark price (positive)'),
    bankrupt: z
      .object({
        account: id,
        quantity: signed.describe('signed size of the bankrupt position: positive long, negative short'),
        bankruptcyPrice: price.describe('the price at which the opposing positions are closed'),
      })
      .strict(),
    candidates: z
      .array(
        z
          .object({
            account: id,
            quantity: signed.describe(
              'signed position; must be on the side opposite the bankrupt position (a same-side candidate is refused, not ignored)',
            ),
            entryPrice: price.describe('positive'),
            bankruptcyPrice: price.describe("the candidate's own bankruptcy price; a candidate past it at the mark is refused"),
          })
          .strict(),
      )
      .describe('the opposing positions, accounts unique'),
  })
  .strict()
  .describe(
    'An auto-deleveraging queue (methodology §8.2, BitMEX): the positions opposing a bankrupt one, ranked and closed at ' +
      "the bankrupt position's bankruptcy price until its size is covered. Prices share one unit (the finest given), " +
      'quantities another.',
  );

export type AdlInput = z.infer<typeof adlInputSchema>;

export const adlOutputSchema = z
  .object({
    ranking: z
      .array(z.string())
      .describe(
        'candidate accounts, first to be closed first: BitMEX rank (PNL% x effective leverage when PNL% > 0, else PNL% / ' +
          'leverage) highest first, compared exactly, ties to the smaller account id; a candidate at its bankruptcy price ' +
          'has infinite leverage: rank +infinity when in profit, else 0',
      ),
    closes: z
      .array(
        z
          .object({
            account: z.string(),
            quantity: out.describe("positive: how much of the candidate's position is closed"),
            price: out.describe("the bankrupt position's bankruptcy price"),
          })
          .strict(),
      )
      .describe('in rank order until the bankrupt size is covered; the last close may be partial'),
    unfilled: out.describe('the part of the bankrupt size the candidates could not cover (0 when covered)'),
  })
  .strict();

export type AdlOutput = z.infer<typeof adlOutputSchema>;
