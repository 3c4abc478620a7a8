// The console's screens, one table for the renderer's navigation and the Electron menu, so a shortcut shown in one
// place is the shortcut that works in the other.
export type ScreenId =
  | 'dashboard'
  | 'accounts'
  | 'calls'
  | 'market'
  | 'audit'
  | 'liquidations'
  | 'default'
  | 'assessments'
  | 'stress'
  | 'playbooks'
  | 'reports'
  | 'inbox'
  | 'settings';

export interface ScreenInfo {
  id: ScreenId;
  label: string;
  /** Second key of the "g <key>" chord. */
  chord: string;
  /** Alt+<digit>, for the screens that have one (there are more screens than digits). */
  digit?: string;
}

export const SCREENS: readonly ScreenInfo[] = [
  { id: 'dashboard', label: 'Dashboard', chord: 'd', digit: '1' },
  { id: 'accounts', label: 'Accounts', chord: 'a', digit: '2' },
  { id: 'calls', label: 'Margin calls', chord: 'c', digit: '3' },
  { id: 'market', label: 'Market data', chord: 'm', digit: '4' },
  { id: 'audit', label: 'Audit log', chord: 'l', digit: '5' },
  { id: 'liquidations', label: 'Liquidations', chord: 'q', digit: '6' },
  { id: 'default', label: 'Default management', chord: 'f', digit: '7' },
  { id: 'assessments', label: 'Assessments', chord: 'e', digit: '8' },
  { id: 'stress', label: 'Stress tests', chord: 't', digit: '9' },
  { id: 'playbooks', label: 'Playbooks', chord: 'p' },
  { id: 'reports', label: 'Reports', chord: 'r' },
  { id: 'inbox', label: 'Inbox', chord: 'i' },
  { id: 'settings', label: 'Settings', chord: 's', digit: '0' },
];

export const isScreen = (s: string): s is ScreenId => SCREENS.some((x) => x.id === s);
