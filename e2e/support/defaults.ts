// Default cases for the specs: one built through the API, and one opened in the console by the command palette.
import { expect, type Locator, type Page } from '@playwright/test';
import type { Desk } from '../fixtures.ts';
import type { AccountsTable } from '../../shared/contract.ts';
import type { DefaultCaseDetail } from '../../shared/contractRecovery.ts';
import { api } from './api.ts';
import { ensureCycle } from './screens.ts';

/**
 * `member` declared in default (two supervisors) after one of its client accounts took a USD debit (a failed
 * settlement, as a collateral file): a loss as large as the debit, for the waterfall and what comes after it.
 */
export async function defaultAfterDebit(desk: Desk, member: string, debit: string): Promise<DefaultCaseDetail> {
  await ensureCycle(desk);
  const t = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  const client = t.columns.id.find((_, i) => t.columns.member[i] === member && t.columns.kind[i] === 'client')!;
  await api(desk, 'operator', 'import.csv', { kind: 'collateral', file: 'debit.csv', text: `account,asset,quantity\n${client},USD,${debit}\n` });
  const declared = await api<DefaultCaseDetail>(desk, 'supervisor', 'default.declare', { member, reason: 'failed settlement (e2e)' });
  return api<DefaultCaseDetail>(desk, 'supervisor2', 'default.confirm', { case: declared.id });
}

/** Opens a default case from the command palette and waits for its detail. */
export async function openCase(page: Page, id: number): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open default case #${id}` }).click();
  await expect(page.getByTestId('case-detail')).toHaveAttribute('data-case', String(id));
}

/**
 * Opens a closed-out case (before its waterfall) and compares its layouts: the CCP's with socialised loss after the
 * assessments, the crypto venue's with ADL then socialised loss after the insurance fund. The layouts panel, compared.
 */
export async function compareLayouts(page: Page, id: number): Promise<Locator> {
  await openCase(page, id);
  const panel = page.getByTestId('layouts');
  await panel.scrollIntoViewIfNeeded();
  await panel.getByTestId('layouts-crypto').selectOption('adl,socialisedLoss');
  await panel.getByTestId('layouts-ccp').selectOption('socialisedLoss');
  await panel.getByTestId('layouts-compare').click();
  await expect(panel.getByTestId('layouts-layers')).toBeVisible();
  return panel;
}
