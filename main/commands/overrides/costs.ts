// What a close-out lost against the automatic path's close-out at the marks: shared by the overrides report and the
// playbook run report (main/commands/playbooks/report.ts).
import { Decimal } from 'decimal.js';
import type { DefaultCaseDetail } from '../../../shared/contractRecovery.ts';

/**
 * The case's close-out loss and the loss a close-out at the marks would have had. An auction's bids are priced
 * against the marks (BidView.amount), so the close-out at the marks would have lost the auction's loss plus what the
 * winning bids paid over them.
 */
export function closeOutAgainstMarks(c: DefaultCaseDetail): { method: 'liquidation' | 'auction'; loss: string; automaticLoss: string } | null {
  if (!c.closeOut) return null;
  const won = c.bids.filter((b) => b.status === 'won').reduce((s, b) => s.plus(b.amount), new Decimal(0));
  const atMarks = Decimal.max(0, new Decimal(c.closeOut.margin).minus(c.closeOut.equityAfter).plus(c.closeOut.method === 'auction' ? won : 0));
  return { method: c.closeOut.method, loss: c.closeOut.loss, automaticLoss: atMarks.toFixed() };
}
