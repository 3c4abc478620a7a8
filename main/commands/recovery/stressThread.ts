// A console's stress run on a thread of its own (stressWorker.ts). Reading a 100k-account book and valuing its base
// take seconds of synchronous work; on the console's thread they held every request, a cancel included, until they
// ended (a cancel took about 8 s to take effect). Here the console's thread only relays the steps, and a cancel ends
// the thread at once and answers the run as cancelled: nothing to undo, a run changes nothing.
import { Worker } from 'node:worker_threads';
import type { StressReport } from '../../../shared/contractRecovery.ts';
import type { StressProgress } from '../../engine/stress.ts';
import { InputError, RuleError, type Where } from '../../../shared/errors.ts';
import type { RefusalCode } from '../../../shared/refusals.ts';

export interface StressJobInput {
  /** The ledger file (the thread opens it read-only). */
  file: string;
  asOf: string;
  scenarios: readonly string[] | undefined;
}

export type StressThreadMessage =
  | { type: 'progress'; done: number; total: number; label: string | null }
  | { type: 'report'; report: StressReport }
  | { type: 'refused'; kind: 'input'; code: string; message: string; where: Where }
  | { type: 'refused'; kind: 'rule'; code: RefusalCode; message: string }
  | { type: 'failed'; message: string };

export interface StressJob {
  /** The report; a refusal as the command layer's error; a cancel as RuleError 'cancelled'. */
  readonly done: Promise<StressReport>;
  /** Ends the run now; `done` rejects as cancelled. False when it had already ended. */
  cancel(): boolean;
}

export const CANCELLED_MESSAGE = 'the stress run was cancelled; nothing was changed';

// The Electron bundle (scripts/build-electron.ts) defines this as the file name of the thread's own bundle.
declare const __RISKDESK_STRESS_WORKER__: string | undefined;
const workerUrl = (): URL =>
  new URL(typeof __RISKDESK_STRESS_WORKER__ === 'string' ? __RISKDESK_STRESS_WORKER__ : './stressWorker.ts', import.meta.url);

function refusal(m: Extract<StressThreadMessage, { type: 'refused' }>): Error {
  if (m.kind === 'rule') return new RuleError(m.code, m.message);
  // The message already names where (InputError adds it); keep it as the thread wrote it.
  const e = new InputError('', m.where);
  e.message = m.message;
  return e;
}

export function startStressThread(input: StressJobInput, progress: StressProgress): StressJob {
  const worker = new Worker(workerUrl(), { workerData: input });
  let settled = false;
  let resolve!: (r: StressReport) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<StressReport>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const settle = (f: () => void): void => {
    if (settled) return;
    settled = true;
    f();
    void worker.terminate();
  };
  worker.on('message', (m: StressThreadMessage) => {
    if (settled) return;
    if (m.type === 'progress') progress(m.done, m.total, m.label);
    else if (m.type === 'report') settle(() => resolve(m.report));
    else if (m.type === 'refused') settle(() => reject(refusal(m)));
    else settle(() => reject(new Error(`the stress run failed: ${m.message}`)));
  });
  worker.on('error', (e) => settle(() => reject(e)));
  worker.on('exit', (code) => settle(() => reject(new Error(`the stress run's thread stopped (exit code ${code}) before its report`))));
  return {
    done,
    cancel: () => {
      if (settled) return false;
      settle(() => reject(new RuleError('cancelled', CANCELLED_MESSAGE)));
      return true;
    },
  };
}
