// Printing a report page to PDF: in the Electron window through the bridge's printToPdf (webContents.printToPDF and a
// save dialog), in browser mode by the browser's own print (Chromium's "Save as PDF"). The page's print styles decide
// what is on it in both.
import type { PrintResult } from '../../../shared/bridge.ts';
import { bridge } from '../bridge/client.svelte.ts';

export async function printPage(name: string): Promise<PrintResult> {
  const b = bridge();
  if (b.printToPdf) return b.printToPdf(name);
  window.print();
  return { ok: true, saved: null };
}
