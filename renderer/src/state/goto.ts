// Going to one object from anywhere (the palette, an audit entry's link): the screen that shows it, opened on it.
import { nav } from './nav.svelte.ts';
import { liquidations } from './liquidations.svelte.ts';
import { defaults } from './defaults.svelte.ts';
import type { JournalRef } from '../../../shared/contract.ts';

export function openLiquidation(id: number): void {
  liquidations.view = 'proposals';
  nav.go('liquidations');
  void liquidations.open(id);
}

export function openCase(id: number): void {
  nav.go('default');
  void defaults.open(id);
}

/** Opens what an audit entry touched, where the console has a place for it; false where it has none. */
export function openRef(r: JournalRef): boolean {
  const n = Number(r.id);
  switch (r.kind) {
    case 'account':
      nav.openAccount(r.id);
      return true;
    case 'call':
      nav.openCall(n);
      return true;
    case 'liquidation':
      openLiquidation(n);
      return true;
    case 'case':
      openCase(n);
      return true;
    default:
      return false;
  }
}

/** Whether openRef has a place for this kind of object. */
export const linkable = (r: JournalRef): boolean => ['account', 'call', 'liquidation', 'case'].includes(r.kind);
