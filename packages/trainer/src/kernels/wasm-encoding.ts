/**
 * A minimal WebAssembly binary encoder for simd-module.ts: the opcodes it uses (WebAssembly 2.0
 * with fixed-width SIMD), helpers that spell common instruction sequences, and the module
 * layout (one imported memory, exported functions). Instructions are arrays of bytes.
 */

// Opcodes (WebAssembly 2.0 with fixed-width SIMD).
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const LOCAL_TEE = 0x22;
export const I32_CONST = 0x41;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_SHL = 0x74;
export const F32_CONST = 0x43;
export const VOID = 0x40;
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const simd = (code: number) => [0xfd, ...unsigned(code)];
export const V128_LOAD = [...simd(0x00), 4, 0];
export const V128_STORE = [...simd(0x0b), 4, 0];
export const F32X4_SPLAT = simd(0x13);
/** i8x16.shuffle of two vectors by 16 byte lanes (0–15 the first, 16–31 the second). */
export const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];
/** Byte lanes of float lanes: [0, 4] → bytes 0–3 of the first, bytes 0–3 of the second. */
export const floatLanes = (...lanes: number[]) =>
  shuffle(lanes.flatMap((lane) => [0, 1, 2, 3].map((byte) => lane * 4 + byte)));
export const F32X4_GT = simd(0x44);
export const F32X4_LE = simd(0x45);
export const F32X4_GE = simd(0x46);
export const V128_AND = simd(0x4e);
export const V128_ANDNOT = simd(0x4f);
export const V128_OR = simd(0x50);
export const V128_BITSELECT = simd(0x52);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
export const F32X4_MUL = simd(0xe6);

export function unsigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

export const get = (index: number) => [LOCAL_GET, index];
/** Pushes the address param[pointer] + counter. */
export const at = (pointer: number, counter: number) => [...get(pointer), ...get(counter), I32_ADD];
export const load = (pointer: number, counter: number) => [...at(pointer, counter), ...V128_LOAD];

/**
 * for (; counter < local[limit]; counter += step) body — the caller sets the counter first
 * (locals start at 0); `step` is the instructions that push the increment.
 */
export function loopBy(counter: number, limit: number, step: number[], body: number[]): number[] {
  return [
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(counter),
    ...get(limit),
    I32_GE_U,
    BR_IF,
    1,
    ...body,
    ...get(counter),
    ...step,
    I32_ADD,
    LOCAL_SET,
    counter,
    BR,
    0,
    END,
    END,
  ];
}

/** for (; counter < local[limit]; counter += 16) body. */
export function loop16(counter: number, limit: number, body: number[]): number[] {
  return loopBy(counter, limit, [I32_CONST, 16], body);
}

/** One exported function: its parameter and local types, and its body (without the end). */
export interface FunctionSpec {
  /** The export's name. */
  name: string;
  params: number[];
  /** Extra locals, in order after the params. */
  locals: number[];
  body: number[];
}

/** local.set, local.tee, and the i32 sum of several operands. */
export const set = (index: number) => [LOCAL_SET, index];
export const tee = (index: number) => [LOCAL_TEE, index];
export const add = (...operands: number[][]) => [
  ...operands[0],
  ...operands.slice(1).flatMap((operand) => [...operand, I32_ADD]),
];
export const NEGATIVE_INFINITY = [F32_CONST, 0x00, 0x00, 0x80, 0xff];

const vector = (items: number[][]) => [...unsigned(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...unsigned(content.length), ...content];
const name = (text: string) => vector([...text].map((character) => [character.charCodeAt(0)]));

/** A module importing env.memory and exporting `specs` by name, in order. */
export function encodeModule(specs: FunctionSpec[]): Uint8Array {
  const types = specs.map((spec) => [0x60, ...vector(spec.params.map((p) => [p])), 0]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]];
  const exports = specs.map((spec, index) => [...name(spec.name), 0x00, ...unsigned(index)]);
  const bodies = specs.map((spec) => {
    const locals = vector(spec.locals.map((type) => [1, type]));
    const code = [...locals, ...spec.body, END];
    return [...unsigned(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(specs.map((_, index) => unsigned(index)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
