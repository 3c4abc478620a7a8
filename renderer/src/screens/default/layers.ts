// How the waterfall's layers are named and coloured on screen (methodology §8.1), in the order they are used, and
// the orders of recovery tools a desk may pick from.
import { LEDGER_RECOVERY_TOOLS, recoveryToolsProblem, type LedgerRecoveryTool } from '../../../../shared/contractRecovery.ts';
export const LAYER_LABELS: Record<string, string> = {
  defaulterMargin: "Defaulter's margin",
  defaulterDefaultFund: "Defaulter's default fund",
  ccpFirstTranche: 'CCP first tranche',
  defaultFund: 'Default fund (survivors)',
  ccpSecondTranche: 'CCP second tranche',
  assessments: 'Assessments',
  insuranceFund: 'Insurance fund',
  vmGainsHaircut: 'VM gains haircut',
  adl: 'Auto-deleveraging',
  partialTearUp: 'Partial tear-up',
  socialisedLoss: 'Socialised loss',
};

export const layerLabel = (name: string): string => LAYER_LABELS[name] ?? name;

export const WATERFALL_LEGEND = [
  { key: 'used', label: 'used', color: '#ef5b5b' },
  { key: 'remaining', label: 'remaining', color: '#3a6f9e' },
];

/** Every order of recovery tools the contract takes as a policy (recoveryToolsProblem, the server's), shortest first. */
export const TOOL_ORDERS: LedgerRecoveryTool[][] = (() => {
  const out: LedgerRecoveryTool[][] = [];
  const grow = (seq: LedgerRecoveryTool[]) => {
    if (seq.length && recoveryToolsProblem(seq) === null) out.push(seq);
    // The tools the contract's schema takes (one list, the server's), in every order.
    for (const t of LEDGER_RECOVERY_TOOLS) if (!seq.includes(t)) grow([...seq, t]);
  };
  grow([]);
  return out.sort((a, b) => a.length - b.length);
})();

export const toolsKey = (p: readonly LedgerRecoveryTool[]): string => p.join(',');
export const toolsOf = (k: string): LedgerRecoveryTool[] => (k === '' ? [] : (k.split(',') as LedgerRecoveryTool[]));
export const toolsWords = (p: readonly string[]): string => p.map(layerLabel).join(' → ');
