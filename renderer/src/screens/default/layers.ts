// How the waterfall's layers are named and coloured on screen (methodology §8.1), in the order they are used.
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
  socialisedLoss: 'Socialised loss',
};

export const layerLabel = (name: string): string => LAYER_LABELS[name] ?? name;

export const WATERFALL_LEGEND = [
  { key: 'used', label: 'used', color: '#ef5b5b' },
  { key: 'remaining', label: 'remaining', color: '#3a6f9e' },
];
