// Types of bin/bundle.js (plain JavaScript: it runs before anything is bundled or type-stripped).
/** The bundle bin/riskdesk.js runs, or null for the sources. `dir` defaults to ROOT/dist/cli. */
export function freshBundle(root: string, dir?: string, env?: Record<string, string | undefined>): string | null;
