// What the work-list screens (margin calls, liquidations, assessments) share about the cursor and the Escape key.

/** The cursor kept inside a list of n rows: the first row when there was none, the last when the list shrank. */
export function clampCursor(cursor: number, n: number): number {
  if (cursor < 0 && n) return 0;
  if (cursor >= n) return n - 1;
  return cursor;
}

/** Whether a key event comes from a field the desk types in (its Escape is the field's, not the panel's). */
export function inField(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}
