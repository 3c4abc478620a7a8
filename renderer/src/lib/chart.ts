// Chart series styling shared by the uPlot charts.
export interface ChartSeries {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  fill?: string;
  /** Draw a dot at each point (discrete series such as cycles). */
  points?: boolean;
}

export const CHART_COLORS = {
  equity: '#4ea1ff',
  im: '#e0b341',
  mm: '#ef5b5b',
  price: '#3fb27f',
} as const;
