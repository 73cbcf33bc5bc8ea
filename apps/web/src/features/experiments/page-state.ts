import { CURVE_KEYS, DEFAULT_METRIC, metricById } from './metric-options';

export const GROUP_OPTIONS = [
  'none',
  'cell',
  'frozenLayers',
  'learningRate',
  'seed',
  'initialization',
] as const;
export type GroupBy = (typeof GROUP_OPTIONS)[number];
export const X_AXES = ['step', 'epoch', 'wall'] as const;
export type XAxis = (typeof X_AXES)[number];

/** Everything a reviewer would want to send as a link: it lives in the URL's query string. */
export interface ExperimentView {
  metric: string;
  cells: string[];
  runs: string[];
  group: GroupBy;
  x: XAxis;
  log: boolean;
  curve: string;
  diff: boolean;
  /** Target validation accuracy for the epochs-to-target metric. */
  target: number;
  /** The training-set size the grid shows, for sweeps over sizes; null: the largest. */
  size: number | null;
}

const list = (value: string | null) => (value ? value.split(',').filter(Boolean) : []);
const oneOf = <T extends string>(options: readonly T[], value: string | null, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

const DEFAULT_TARGET = 0.9;
function parseTarget(value: string | null): number {
  const target = Number(value);
  return value !== null && Number.isFinite(target) && target > 0 ? target : DEFAULT_TARGET;
}

function parseSize(value: string | null): number | null {
  const size = Number(value);
  return value !== null && Number.isInteger(size) && size > 0 ? size : null;
}

export function parseView(params: URLSearchParams): ExperimentView {
  return {
    metric: metricById(params.get('metric')).id,
    cells: list(params.get('cells')),
    runs: list(params.get('runs')),
    group: oneOf(GROUP_OPTIONS, params.get('group'), 'none'),
    x: oneOf(X_AXES, params.get('x'), 'step'),
    log: params.get('log') === '1',
    curve: oneOf(CURVE_KEYS, params.get('curve'), 'val_accuracy'),
    diff: params.get('diff') === '1',
    target: parseTarget(params.get('target')),
    size: parseSize(params.get('size')),
  };
}

/** Only what differs from the defaults, so links stay short. */
export function serializeView(view: ExperimentView): string {
  const params = new URLSearchParams();
  if (view.metric !== DEFAULT_METRIC.id) params.set('metric', view.metric);
  if (view.cells.length) params.set('cells', view.cells.join(','));
  if (view.runs.length) params.set('runs', view.runs.join(','));
  if (view.group !== 'none') params.set('group', view.group);
  if (view.x !== 'step') params.set('x', view.x);
  if (view.log) params.set('log', '1');
  if (view.curve !== 'val_accuracy') params.set('curve', view.curve);
  if (view.diff) params.set('diff', '1');
  if (view.target !== DEFAULT_TARGET) params.set('target', String(view.target));
  if (view.size !== null) params.set('size', String(view.size));
  return params.toString();
}
