// What the renderer sees as `window.riskdesk`: one typed invoke and one event subscription, the same in the
// Electron window (a sandboxed preload over IPC) and in browser mode (HTTP + SSE on 127.0.0.1 with a token).
import type { Channel, InputOf, OutputOf, ConsoleEvent } from './contract.ts';
import type { Where } from './errors.ts';
import { isRefusalCode, type RefusalCode } from './refusals.ts';

/**
 * A refusal as it crosses the bridge: a code of shared/refusals.ts (`bad_input`, a rule's, `internal` ...), or
 * `unreachable`, which only the browser's own bridge says (the server did not answer).
 */
export interface BridgeError {
  code: RefusalCode | 'unreachable';
  message: string;
  where?: Where;
}

export type InvokeResult<C extends Channel> = { ok: true; value: OutputOf<C> } | { ok: false; error: BridgeError };

export interface RiskdeskBridge {
  readonly mode: 'electron' | 'browser';
  invoke<C extends Channel>(channel: C, payload: InputOf<C>): Promise<InvokeResult<C>>;
  /** Subscribes to console events; returns the unsubscribe function. */
  onEvent(listener: (e: ConsoleEvent) => void): () => void;
  /**
   * The Electron window only: prints the page to a PDF (webContents.printToPDF) and asks where to save it, named
   * `name`.pdf by default. Browser mode has none: the browser's own print saves a PDF.
   */
  printToPdf?(name: string): Promise<PrintResult>;
}

export type PrintResult = { ok: true; saved: string | null } | { ok: false; error: BridgeError };

export function toBridgeError(e: unknown): BridgeError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as { code: unknown }).code === 'string' && isRefusalCode((e as { code: string }).code)) {
    const err = e as { code: RefusalCode; message: string; where?: Where };
    return { code: err.code, message: err.message, ...(err.where ? { where: err.where } : {}) };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
