// What the command palette can do: go to a screen, or run one of the desk's actions.
export interface PaletteCommand {
  id: string;
  label: string;
  group: 'Screens' | 'Actions' | 'Go to';
  /** Keys shown beside it. */
  keys?: string[];
  /** Why it is unavailable to this role (shown, not run). */
  disabled?: string | null;
  run: () => void;
}

/** Case-insensitive match of every word of the query, in any order. */
export function matches(label: string, query: string): boolean {
  const l = label.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => l.includes(w));
}

/** A typed account id as the contract spells ids. */
export const looksLikeId = (s: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(s);
