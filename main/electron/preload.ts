// The sandboxed preload: exposes `window.riskdesk` (RiskdeskBridge) and nothing else. ipcRenderer itself never
// reaches the page: one invoke channel, one event channel and the print to PDF, all fixed here.
import { contextBridge, ipcRenderer } from 'electron';
import type { RiskdeskBridge } from '../../shared/bridge.ts';
import type { ConsoleEvent } from '../../shared/contract.ts';

const INVOKE = 'riskdesk:invoke';
const EVENT = 'riskdesk:event';
const PRINT = 'riskdesk:print';

const listeners = new Set<(e: ConsoleEvent) => void>();

ipcRenderer.on(EVENT, (_event, e: ConsoleEvent) => {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch (err) {
      console.error('riskdesk: an event listener failed', err);
    }
  }
});

const bridge: RiskdeskBridge = {
  mode: 'electron',
  invoke: (channel, payload) => {
    if (typeof channel !== 'string') return Promise.reject(new TypeError('riskdesk.invoke: the channel must be a string'));
    return ipcRenderer.invoke(INVOKE, channel, payload);
  },
  printToPdf: (name) => {
    if (typeof name !== 'string') return Promise.reject(new TypeError('riskdesk.printToPdf: the name must be a string'));
    return ipcRenderer.invoke(PRINT, name);
  },
  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('riskdesk.onEvent: the listener must be a function');
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('riskdesk', bridge);
