// The recovery policy: its keys in the policy table, their defaults, and the policy as read.
import type { Database } from 'better-sqlite3';
import { parseAmount, parseRate } from '../../shared/units.ts';

export interface RecoveryPolicy {
  /** micro-USD */
  ccpFirstTranche: bigint;
  ccpSecondTranche: bigint;
  /** ppm: the assessment multiple of a member whose own is not set (every member row carries one). */
  assessmentMultiple: bigint;
  /** Days a member's assessment cap covers (further defaults in the period share it). */
  assessmentPeriodDays: number;
  /** Days a surviving member has to replenish the default-fund contribution a waterfall used. */
  replenishmentDays: number;
}

export const RECOVERY_POLICY_KEYS = ['ccpFirstTranche', 'ccpSecondTranche', 'assessmentMultiple', 'assessmentPeriodDays', 'replenishmentDays'] as const;

/** The recovery policy of a ledger with no row for a key (the Settings screen shows these as the defaults). */
export const DEFAULT_RECOVERY_POLICY: Readonly<RecoveryPolicy> = { ccpFirstTranche: 0n, ccpSecondTranche: 0n, assessmentMultiple: 2_000_000n, assessmentPeriodDays: 90, replenishmentDays: 30 };

export function readRecoveryPolicy(db: Database): RecoveryPolicy {
  const p: RecoveryPolicy = { ...DEFAULT_RECOVERY_POLICY };
  const rows = db.prepare(`SELECT key, value FROM policy WHERE key IN (${RECOVERY_POLICY_KEYS.map(() => '?').join(', ')})`).all(...RECOVERY_POLICY_KEYS) as { key: string; value: string }[];
  for (const r of rows) {
    switch (r.key) {
      case 'ccpFirstTranche':
      case 'ccpSecondTranche':
        p[r.key] = parseAmount(r.value, `policy ${r.key}`);
        break;
      case 'assessmentMultiple':
        p.assessmentMultiple = parseRate(r.value, 'policy assessmentMultiple');
        break;
      case 'assessmentPeriodDays':
      case 'replenishmentDays':
        p[r.key] = Number(r.value);
        break;
    }
  }
  return p;
}
