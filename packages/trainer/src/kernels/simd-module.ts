import type { KernelBackend } from '@tensorflow/tfjs';
import {
  LOCAL_SET,
  LOCAL_TEE,
  I32_CONST,
  I32_ADD,
  I32_MUL,
  I32_SHL,
  I32,
  F32,
  V128,
  V128_LOAD,
  V128_STORE,
  F32X4_SPLAT,
  floatLanes,
  F32X4_GT,
  F32X4_LE,
  F32X4_GE,
  V128_AND,
  V128_ANDNOT,
  V128_OR,
  V128_BITSELECT,
  F32X4_ADD,
  F32X4_SUB,
  F32X4_MUL,
  get,
  at,
  load,
  loopBy,
  loop16,
  set,
  tee,
  add,
  NEGATIVE_INFINITY,
  encodeModule,
  type FunctionSpec,
} from './wasm-encoding.js';

/**
 * A few WebAssembly SIMD loops of our own, run on the wasm backend's own memory (imported, so
 * they read and write tensors in place, by byte offset). V8 runs the JavaScript versions of
 * these loops at 2–4 ns per value; four lanes at a time they are memory-bound instead.
 * The module is encoded at run time (wasm-encoding.ts) from the instruction sequences below: no
 * build step, no binary in the repository. Every function takes byte offsets and a byte count that
 * is a multiple of 16 (callers do any tail in JavaScript).
 */
export interface SimdKernels {
  /** dx = dy where low ≤ x ≤ high, else 0 (also for NaN x). */
  mask(x: number, dy: number, dx: number, bytes: number, low: number, high: number): void;
  /** dx = dy where low < x ≤ high, else 0. */
  maskExclusive(x: number, dy: number, dx: number, bytes: number, low: number, high: number): void;
  /**
   * g += each row of a: `rowBytes` (a multiple of 16) at a time over `bytes` of a (a whole
   * number of rows) into the one row g.
   */
  accumulateRows(g: number, a: number, rowBytes: number, bytes: number): void;
  /**
   * One row of 2×2, stride-2 max-pool windows: for each window and channel, dy goes to the
   * first maximum (strict >, from −∞: none for all-NaN windows) and 0 to the other three.
   * x and dx: offsets of the window row's top-left; rowStride: bytes from one x row to the
   * next; rowBytes: dy bytes in the row (output columns × channel bytes).
   */
  maxPoolGrad2x2Row(
    x: number,
    dy: number,
    dx: number,
    rowStride: number,
    rowBytes: number,
    channelBytes: number,
  ): void;
  /**
   * dst [columns, rows] = src [rows, columns]ᵀ, in 4×4 blocks (rows and columns multiples of
   * 4; offsets in bytes, sizes in values).
   */
  transpose(src: number, dst: number, rows: number, columns: number): void;
  /** g += a · b, element by element. */
  productAccumulate(g: number, a: number, b: number, bytes: number): void;
  /**
   * A batch-norm gradient over whole rows of C channels (`rowBytes`, a multiple of 16, per
   * row; `bytes` of x, dy and dx in all): for every row, sumDy += dy; sumCentered +=
   * (x − mean) · dy; dx = dy · factor (mean, factor and the sums are one row each).
   */
  batchNormGradientRows(
    x: number,
    dy: number,
    dx: number,
    mean: number,
    factor: number,
    sumDy: number,
    sumCentered: number,
    rowBytes: number,
    bytes: number,
  ): void;
}

function maskFunction(name: 'mask' | 'maskExclusive', compare: number[]): Spec {
  // params: x 0, dy 1, dx 2, bytes 3, low 4, high 5; locals: counter 6, low×4 7, high×4 8,
  // x×4 9.
  return {
    name,
    params: [I32, I32, I32, I32, F32, F32],
    locals: [I32, V128, V128, V128],
    body: [
      ...get(4),
      ...F32X4_SPLAT,
      LOCAL_SET,
      7,
      ...get(5),
      ...F32X4_SPLAT,
      LOCAL_SET,
      8,
      ...loop16(6, 3, [
        ...at(2, 6),
        ...load(0, 6),
        LOCAL_TEE,
        9,
        ...get(7),
        ...compare,
        ...get(9),
        ...get(8),
        ...F32X4_LE,
        ...V128_AND,
        ...load(1, 6),
        ...V128_AND,
        ...V128_STORE,
      ]),
    ],
  };
}

/** See SimdKernels.maxPoolGrad2x2Row. */
function maxPoolGradFunction(): Spec {
  // params: x 0, dy 1, dx 2, rowStride 3, rowBytes 4, channelBytes 5; locals (i32): column 6
  // (dy bytes into the row), channel 7, p 8 (window top-left in x), q 9 (same in dx);
  // (v128): best 10, masks of top-left 11, top-right 12, bottom-left 13, bottom-right 14,
  // dy 15, taken 16, a value 17, −∞ 18.
  const [x, dy, dx, rowStride, rowBytes, channelBytes] = [0, 1, 2, 3, 4, 5];
  const [column, channel, p, q] = [6, 7, 8, 9];
  const [best, topLeft, topRight, bottomLeft, bottomRight, upstream, taken, value, floor] = [
    10, 11, 12, 13, 14, 15, 16, 17, 18,
  ];
  // mask = value > best; best = mask ? value : best (the value's address is pushed first).
  const candidate = (address: number[], mask: number, last: boolean) => [
    ...address,
    ...V128_LOAD,
    ...tee(value),
    ...get(best),
    ...F32X4_GT,
    ...set(mask),
    ...(last ? [] : [...get(value), ...get(best), ...get(mask), ...V128_BITSELECT, ...set(best)]),
  ];
  // dx[address] = dy where mask and no later window position took it.
  const give = (address: number[], mask: number, first: boolean) => [
    ...address,
    ...get(upstream),
    ...get(mask),
    ...(first ? [] : [...get(taken), ...V128_ANDNOT]),
    ...V128_AND,
    ...V128_STORE,
    ...(first ? get(mask) : [...get(taken), ...get(mask), ...V128_OR]),
    ...set(taken),
  ];
  const body = [
    ...add(get(x), get(column), get(column), get(channel)),
    ...set(p),
    ...add(get(dx), get(column), get(column), get(channel)),
    ...set(q),
    ...get(floor),
    ...set(best),
    ...candidate(get(p), topLeft, false),
    ...candidate(add(get(p), get(channelBytes)), topRight, false),
    ...candidate(add(get(p), get(rowStride)), bottomLeft, false),
    ...candidate(add(get(p), get(rowStride), get(channelBytes)), bottomRight, true),
    ...add(get(dy), get(column), get(channel)),
    ...V128_LOAD,
    ...set(upstream),
    ...give(add(get(q), get(rowStride), get(channelBytes)), bottomRight, true),
    ...give(add(get(q), get(rowStride)), bottomLeft, false),
    ...give(add(get(q), get(channelBytes)), topRight, false),
    ...give(get(q), topLeft, false),
  ];
  return {
    name: 'maxPoolGrad2x2Row',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, ...new Array<number>(9).fill(V128)],
    body: [
      ...NEGATIVE_INFINITY,
      ...F32X4_SPLAT,
      ...set(floor),
      ...loopBy(column, rowBytes, get(channelBytes), [
        I32_CONST,
        0,
        ...set(channel),
        ...loop16(channel, channelBytes, body),
      ]),
    ],
  };
}

/** See SimdKernels.transpose. */
function transposeFunction(): Spec {
  // params: src 0, dst 1, rows 2, columns 3; locals (i32): row 4, column 5, a 6, b 7,
  // rowBytes 8, columnBytes 9; (v128) rows of the block 10–13, interleaved pairs 14–17.
  const [src, dst, rows, columns, row, column, a, b, rowBytes, columnBytes] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
  ];
  const times = (left: number[], right: number[]) => [...left, ...right, I32_MUL];
  const loadRow = (k: number) => [
    ...add(get(a), times([I32_CONST, k], get(rowBytes))),
    ...V128_LOAD,
    ...set(10 + k),
  ];
  // 4×4 transpose: interleave rows pairwise, then pairs of pairs.
  const pair = (first: number, second: number, lanes: number[], into: number) => [
    ...get(first),
    ...get(second),
    ...floatLanes(...lanes),
    ...set(into),
  ];
  const storeColumn = (k: number, first: number, second: number, lanes: number[]) => [
    ...add(get(b), times([I32_CONST, k], get(columnBytes))),
    ...get(first),
    ...get(second),
    ...floatLanes(...lanes),
    ...V128_STORE,
  ];
  const block = [
    ...add(get(src), times(get(row), get(rowBytes)), [...get(column), I32_CONST, 2, I32_SHL]),
    ...set(a),
    ...add(get(dst), times(get(column), get(columnBytes)), [...get(row), I32_CONST, 2, I32_SHL]),
    ...set(b),
    ...[0, 1, 2, 3].flatMap(loadRow),
    ...pair(10, 11, [0, 4, 1, 5], 14), // a0 b0 a1 b1
    ...pair(10, 11, [2, 6, 3, 7], 15), // a2 b2 a3 b3
    ...pair(12, 13, [0, 4, 1, 5], 16), // c0 d0 c1 d1
    ...pair(12, 13, [2, 6, 3, 7], 17), // c2 d2 c3 d3
    ...storeColumn(0, 14, 16, [0, 1, 4, 5]),
    ...storeColumn(1, 14, 16, [2, 3, 6, 7]),
    ...storeColumn(2, 15, 17, [0, 1, 4, 5]),
    ...storeColumn(3, 15, 17, [2, 3, 6, 7]),
  ];
  return {
    name: 'transpose',
    params: [I32, I32, I32, I32],
    locals: [...new Array<number>(6).fill(I32), ...new Array<number>(8).fill(V128)],
    body: [
      ...get(columns),
      I32_CONST,
      2,
      I32_SHL,
      ...set(rowBytes),
      ...get(rows),
      I32_CONST,
      2,
      I32_SHL,
      ...set(columnBytes),
      ...loopBy(
        row,
        rows,
        [I32_CONST, 4],
        [I32_CONST, 0, ...set(column), ...loopBy(column, columns, [I32_CONST, 4], block)],
      ),
    ],
  };
}

/** A function of this module, named as SimdKernels names it. */
type Spec = FunctionSpec & { name: keyof SimdKernels };

const SPECS: Spec[] = [
  transposeFunction(),
  maxPoolGradFunction(),
  {
    // params: g 0, a 1, rowBytes 2, bytes 3; locals: row 4 (byte offset of the row in a),
    // column 5, a + row 6.
    name: 'accumulateRows',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32],
    body: loopBy(4, 3, get(2), [
      ...get(1),
      ...get(4),
      I32_ADD,
      LOCAL_SET,
      6,
      I32_CONST,
      0,
      LOCAL_SET,
      5,
      ...loop16(5, 2, [...at(0, 5), ...load(0, 5), ...load(6, 5), ...F32X4_ADD, ...V128_STORE]),
    ]),
  },
  maskFunction('mask', F32X4_GE),
  maskFunction('maskExclusive', F32X4_GT),
  {
    // params: g 0, a 1, b 2, bytes 3; local counter 4.
    name: 'productAccumulate',
    params: [I32, I32, I32, I32],
    locals: [I32],
    body: loop16(4, 3, [
      ...at(0, 4),
      ...load(0, 4),
      ...load(1, 4),
      ...load(2, 4),
      ...F32X4_MUL,
      ...F32X4_ADD,
      ...V128_STORE,
    ]),
  },
  {
    // params: x 0, dy 1, dx 2, mean 3, factor 4, sumDy 5, sumCentered 6, rowBytes 7, bytes 8;
    // locals (i32): row 9, column 10, x + row 11, dy + row 12, dx + row 13; (v128) dy×4 14.
    name: 'batchNormGradientRows',
    params: new Array<number>(9).fill(I32),
    locals: [I32, I32, I32, I32, I32, V128],
    body: loopBy(9, 8, get(7), [
      ...add(get(0), get(9)),
      ...set(11),
      ...add(get(1), get(9)),
      ...set(12),
      ...add(get(2), get(9)),
      ...set(13),
      I32_CONST,
      0,
      ...set(10),
      ...loop16(10, 7, [
        ...load(12, 10),
        ...set(14),
        ...at(5, 10),
        ...load(5, 10),
        ...get(14),
        ...F32X4_ADD,
        ...V128_STORE,
        ...at(6, 10),
        ...load(6, 10),
        ...load(11, 10),
        ...load(3, 10),
        ...F32X4_SUB,
        ...get(14),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...V128_STORE,
        ...at(13, 10),
        ...get(14),
        ...load(4, 10),
        ...F32X4_MUL,
        ...V128_STORE,
      ]),
    ]),
  },
];

// The few WebAssembly globals used here (the compiler's lib has no DOM, where they live).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => WasmMemory;
};

let compiled: object | undefined;
const instances = new WeakMap<WasmMemory, SimdKernels>();

/** The wasm backend's memory, where its tensors live; undefined on other backends. */
function backendMemory(backend: KernelBackend): WasmMemory | undefined {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** Our SIMD loops bound to `backend`'s memory, or undefined where there is none. */
export function simdKernels(backend: KernelBackend): SimdKernels | undefined {
  const memory = backendMemory(backend);
  if (memory === undefined) {
    return undefined;
  }
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    compiled ??= new WebAssembly.Module(encodeModule(SPECS));
    kernels = new WebAssembly.Instance(compiled, { env: { memory } })
      .exports as unknown as SimdKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}
