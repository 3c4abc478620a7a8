// funding.tick (issue 18): marks of perpetuals' funding rates from the live feed, the way a venue's mark-price stream
// carries them (the current rate of the interval and the funding time it ends at). One command per batch, in the
// dispatcher's transaction, journalled, so verify --deep replays it.
//
// The rule a funding time is paid by: the rate stored for it when the lifecycle pays it (a cycle's first step, or
// lifecycle.run, at or after the funding time). Each mark replaces the rate of the funding time it names, so the
// payment uses the latest mark observed at or before the funding time; a funding-rates file imported after the last
// mark replaces it in turn (the desk's correction). Once paid, the rate is fixed (a mark of another rate is refused).
//
// Each mark is refused, naming it and its field, and the whole batch changes nothing, when: its instrument does not
// exist or is not a perpetual; its rate is not an exact decimal of at most 10 places, or lies beyond the feed's cap
// (engine/funding.ts FEED_FUNDING_RATE_CAP); it was observed after now (a rate from the future), after the funding
// time it names (that interval has closed), or before the instrument's latest mark (the feed's clock goes forward:
// kept in funding_feed_clock, which a funding-rates import overwriting a marked rate does not touch);
// or its funding time was paid at another rate, or lies behind the last one paid.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { FundingTickOutput } from '../../../shared/contractLifecycle.ts';
import { InputError } from '../../../shared/errors.ts';
import { normaliseTime } from '../../../shared/time.ts';
import { formatUnits } from '../../../shared/units.ts';
import { decimalProblem, decToUnits, toDec } from '../../csv/values.ts';
import { FEED_FUNDING_RATE_CAP, FUNDING_RATE_SCALE } from '../../engine/funding.ts';
import { instrumentTickOf } from '../../ledger/bookRepo.ts';
import { advanceFeedClock, FEED_RATE_SOURCE, latestFeedRateTime, writeFundingRates } from '../../ledger/fundingRepo.ts';
import { fundingRateProblem } from './importGuards.ts';

export function fundingTick(ctx: CommandContext, input: InputOf<'funding.tick'>): FundingTickOutput {
  const now = ctx.now().toISOString();
  const latest = new Map<string, string | undefined>();
  const cap = formatUnits(FEED_FUNDING_RATE_CAP, FUNDING_RATE_SCALE);
  const checked = input.rates.map((m, k) => {
    const where = (field: string) => ({ field: `rates[${k}].${field}` });
    const line = `funding rate ${k + 1} (${m.instrument})`;
    const inst = instrumentTickOf(ctx.db, m.instrument);
    if (!inst) throw new InputError(`${line}: no instrument ${m.instrument}`, where('instrument'));
    if (inst.kind !== 'perpetual') throw new InputError(`${line}: ${m.instrument} is a ${inst.kind}: only perpetuals pay funding`, where('instrument'));
    const problem = decimalProblem(m.rate);
    if (problem) throw new InputError(`${line}: ${problem}`, where('rate'));
    const rate = decToUnits(toDec(m.rate), FUNDING_RATE_SCALE);
    if (rate === null) throw new InputError(`${line}: rate ${m.rate} has more than ${FUNDING_RATE_SCALE} decimal places`, where('rate'));
    if (rate > FEED_FUNDING_RATE_CAP || rate < -FEED_FUNDING_RATE_CAP) {
      throw new InputError(`${line}: rate ${m.rate} lies outside -${cap} to ${cap} per interval, the most a live feed may mark (a larger one comes in a funding-rates file)`, where('rate'));
    }
    const time = normaliseTime(m.time, `rates[${k}].time`);
    const fundingTime = normaliseTime(m.fundingTime, `rates[${k}].fundingTime`);
    if (time > now) throw new InputError(`${line}: its time ${time} is after now (${now}); a live rate cannot come from the future`, where('time'));
    if (time > fundingTime) {
      throw new InputError(`${line}: observed at ${time}, after the funding time ${fundingTime} it rates; that interval has closed`, where('time'));
    }
    if (!latest.has(m.instrument)) latest.set(m.instrument, latestFeedRateTime(ctx.db, m.instrument));
    const before = latest.get(m.instrument);
    if (before !== undefined && time < before) {
      throw new InputError(`${line}: its time ${time} is before ${m.instrument}'s latest funding-rate mark (${before}); marks go forward in time`, where('time'));
    }
    latest.set(m.instrument, time);
    const paid = fundingRateProblem(ctx.db, m.instrument, fundingTime, rate);
    if (paid) throw new InputError(`${line}: ${paid.message}`, where(paid.column === 'time' ? 'fundingTime' : 'rate'));
    return { instrument: m.instrument, at: fundingTime, rate, time };
  });
  // Written only once every mark has passed: a refusal changes nothing.
  writeFundingRates(ctx.db, checked.map((r) => ({ instrument: r.instrument, at: r.at, rate: r.rate, source: `${FEED_RATE_SOURCE}${r.time}` })));
  for (const [instrument, time] of latest) if (time !== undefined) advanceFeedClock(ctx.db, instrument, time);
  return { stored: checked.map((r) => ({ instrument: r.instrument, fundingTime: r.at, rate: formatUnits(r.rate, FUNDING_RATE_SCALE), time: r.time })) };
}
