// The figure whose trace is open (issue 21 item 1): any screen asks for one, the shell shows it. The server builds
// the whole trace (explain.figure); this only holds what was asked and what came back.
import type { FigureTrace, TraceFigure } from '../../../shared/contractExplain.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export interface TraceRequest {
  account: string;
  figure: TraceFigure;
  instrument?: string;
}

export class TraceState {
  request = $state.raw<TraceRequest | null>(null);
  trace = $state.raw<FigureTrace | null>(null);
  error = $state.raw<BridgeError | null>(null);
  #seq = 0;

  open(r: TraceRequest): void {
    const seq = ++this.#seq;
    this.request = r;
    this.trace = null;
    this.error = null;
    void invoke('explain.figure', r).then((res) => {
      if (seq !== this.#seq) return;
      if (res.ok) this.trace = res.value;
      else this.error = res.error;
    });
  }

  close(): void {
    this.#seq++;
    this.request = null;
    this.trace = null;
    this.error = null;
  }
}

export const traces = new TraceState();
