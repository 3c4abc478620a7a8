// The Reports screen's state: a UTC day's end-of-day report (`reports.endOfDay`) and the overrides of a period of
// whole UTC days (`overrides.report`), as the server builds them.
import type { EndOfDayReport, OverridesReport } from '../../../shared/contractReports.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

const DAY_MS = 86_400_000;
const today = (): string => new Date().toISOString().slice(0, 10);

export class ReportsStore {
  day = $state(today());
  /** The overrides' period runs from `day` through `toDay` (whole UTC days). */
  toDay = $state(today());
  eod = $state.raw<EndOfDayReport | null>(null);
  overrides = $state.raw<OverridesReport | null>(null);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);

  async load(): Promise<void> {
    this.loading = true;
    const from = `${this.day}T00:00:00.000Z`;
    const end = Date.parse(`${this.toDay < this.day ? this.day : this.toDay}T00:00:00.000Z`);
    const to = Number.isNaN(end) ? from : new Date(end + DAY_MS).toISOString();
    const [e, o] = await Promise.all([invoke('reports.endOfDay', { day: this.day }), invoke('overrides.report', { from, to })]);
    this.loading = false;
    this.eod = e.ok ? e.value : null;
    this.overrides = o.ok ? o.value : null;
    this.error = !e.ok ? e.error : !o.ok ? o.error : null;
  }
}

export const reports = new ReportsStore();
