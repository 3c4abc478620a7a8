// The one way the screens talk to the command layer: `window.riskdesk.invoke`, with the payload snapshotted
// (plain data, no reactive proxies) before it crosses the bridge, and a signed-out session noticed everywhere.
import type { Channel, InputOf } from '../../../shared/contract.ts';
import { toBridgeError, type BridgeError, type InvokeResult, type RiskdeskBridge } from '../../../shared/bridge.ts';

let onUnauthenticated: (e: BridgeError) => void = () => {};

/** The shell registers what to do when a command says the session is gone (back to the sign-in screen). */
export function whenUnauthenticated(f: (e: BridgeError) => void): void {
  onUnauthenticated = f;
}

export function bridge(): RiskdeskBridge {
  const b = window.riskdesk;
  if (!b) throw new Error('window.riskdesk is missing: the console was opened without its bridge');
  return b;
}

export async function invoke<C extends Channel>(channel: C, payload: InputOf<C>): Promise<InvokeResult<C>> {
  let result: InvokeResult<C>;
  try {
    result = await bridge().invoke(channel, $state.snapshot(payload) as InputOf<C>);
  } catch (e) {
    result = { ok: false, error: toBridgeError(e) };
  }
  if (!result.ok && result.error.code === 'unauthenticated' && channel !== 'session.login') onUnauthenticated(result.error);
  return result;
}

/** A refusal as one line for the screen: the server's message verbatim, prefixed by where when it names a place. */
export function describeWhere(e: BridgeError): string {
  const w = e.where;
  if (!w) return '';
  const at: string[] = [];
  if (w.file) at.push(`file ${w.file}`);
  if (w.row !== undefined) at.push(`row ${w.row}`);
  if (w.column) at.push(`column ${w.column}`);
  if (w.field) at.push(`field ${w.field}`);
  return at.join(' · ');
}
