/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { RiskdeskBridge } from '../../shared/bridge.ts';

declare global {
  interface Window {
    /** Put there by the Electron preload, or by bridge/http.ts in browser mode before the app mounts. */
    riskdesk?: RiskdeskBridge;
  }
}

export {};
