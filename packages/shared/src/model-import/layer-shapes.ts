/** Output shapes (batch dimension first, null where unknown) of the layer classes Finetrack knows. */
export type Shape = (number | null)[];

type Config = Record<string, unknown>;

const pair = (value: unknown, fallback: number): [number, number] => {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  return [fallback, fallback];
};

/** One spatial dimension after a window of `size` at `stride` (Keras' conv_output_length). */
function windowed(
  input: number | null,
  size: number,
  stride: number,
  padding: unknown,
  dilation = 1,
) {
  if (input === null) return null;
  if (padding === 'same') return Math.ceil(input / stride);
  const span = dilation * (size - 1) + 1;
  return Math.floor((input - span) / stride) + 1;
}

function spatial(input: Shape, config: Config, sizeKey: string, channels: number | null): Shape {
  const [kh, kw] = pair(config[sizeKey], 2);
  const [sh, sw] = pair(config.strides, sizeKey === 'pool_size' ? kh : 1);
  const [dh, dw] = pair(config.dilation_rate, 1);
  return [
    input[0] ?? null,
    windowed(input[1] ?? null, kh, sh, config.padding, dh),
    windowed(input[2] ?? null, kw, sw, config.padding, dw),
    channels,
  ];
}

function padded(input: Shape, padding: unknown): Shape {
  let rows: [number, number] = [1, 1];
  let columns: [number, number] = [1, 1];
  if (typeof padding === 'number') rows = columns = [padding, padding];
  else if (Array.isArray(padding) && padding.length === 2) {
    const [a, b] = padding as unknown[];
    rows = Array.isArray(a) ? [Number(a[0]), Number(a[1])] : [Number(a), Number(a)];
    columns = Array.isArray(b) ? [Number(b[0]), Number(b[1])] : [Number(b), Number(b)];
  }
  const grow = (d: number | null, [x, y]: [number, number]) => (d === null ? null : d + x + y);
  return [
    input[0] ?? null,
    grow(input[1] ?? null, rows),
    grow(input[2] ?? null, columns),
    input[3] ?? null,
  ];
}

const product = (dims: Shape) =>
  dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1);

/** The output shape of a layer of `className` given its inputs' shapes. */
export function outputShape(className: string, config: Config, inputs: Shape[]): Shape {
  const input = inputs[0] ?? [];
  const last = input.length - 1;
  switch (className) {
    case 'Conv2D':
    case 'SeparableConv2D':
      return spatial(input, config, 'kernel_size', Number(config.filters));
    case 'DepthwiseConv2D': {
      const channels = input[last];
      const multiplier = Number(config.depth_multiplier ?? 1);
      return spatial(
        input,
        config,
        'kernel_size',
        channels === null ? null : channels * multiplier,
      );
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return spatial(input, config, 'pool_size', input[last] ?? null);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return config.keepdims === true
        ? [input[0] ?? null, 1, 1, input[last] ?? null]
        : [input[0] ?? null, input[last] ?? null];
    case 'Dense':
      return [...input.slice(0, last), Number(config.units)];
    case 'Flatten':
      return [input[0] ?? null, product(input.slice(1))];
    case 'ZeroPadding2D':
      return padded(input, config.padding);
    case 'Reshape': {
      const target = (config.target_shape as number[]) ?? [];
      const known = product(input.slice(1));
      const fixed = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      return [
        input[0] ?? null,
        ...target.map((d) => (d === -1 ? (known === null ? null : known / fixed) : d)),
      ];
    }
    case 'Concatenate': {
      const raw = Number(config.axis ?? -1);
      const axis = raw < 0 ? input.length + raw : raw;
      const sum = inputs.reduce<number | null>(
        (total, shape) => (total === null || shape[axis] == null ? null : total + shape[axis]!),
        0,
      );
      return input.map((d, i) => (i === axis ? sum : d));
    }
    default:
      // Element-wise and normalising layers keep their (first) input's shape.
      return [...input];
  }
}
