import { describe, expect, it } from 'vitest';
import { datasetSpecFromArgument, parseClassList } from './dataset-argument.js';
import { DatasetError } from './dataset-error.js';
import { parseFashionClassJson } from './fashion-mnist.js';
import { parseIdx } from './mnist.js';
import { SeededRandom } from '../random/seeded-random.js';

function idx(magic: number, dims: number[], body: number[]): Buffer {
  const header = Buffer.alloc(4 + dims.length * 4);
  header.writeUInt32BE(magic, 0);
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + i * 4));
  return Buffer.concat([header, Buffer.from(body)]);
}

describe('parseIdx', () => {
  const images = idx(2051, [2, 28, 28], new Array(2 * 784).fill(7));
  const labels = idx(2049, [2], [3, 4]);

  it('reads counts, pixels and labels', () => {
    const sut = parseIdx(images, labels, 'fixture');
    expect(sut.count).toBe(2);
    expect(sut.sampleSize).toBe(784);
    expect(Array.from(sut.labels)).toEqual([3, 4]);
    expect(sut.pixels[1000]).toBe(7);
  });

  it.each([
    ['a wrong image magic', idx(2049, [2, 28, 28], new Array(1568).fill(0)), labels],
    ['a wrong label magic', images, idx(2051, [2], [3, 4])],
    ['a truncated image file', images.subarray(0, 100), labels],
    ['a truncated label file', images, labels.subarray(0, 9)],
    ['differing counts', images, idx(2049, [3], [3, 4, 5])],
    ['a wrong image size', idx(2051, [2, 27, 28], new Array(2 * 756).fill(0)), labels],
  ])('rejects %s', (_name, imageFile, labelFile) => {
    expect(() => parseIdx(imageFile, labelFile, 'fixture')).toThrowError(
      expect.objectContaining({ code: 'CORRUPT_DATA' }),
    );
  });
});

describe('parseFashionClassJson', () => {
  const image = (value: number) => new Array(784).fill(value).join(',');
  it('reads 784-pixel images and skips empty ones', () => {
    const text = Buffer.from(`{"data":[[${image(1)}],[],\n[${image(255)}]]}`);
    const sut = parseFashionClassJson(text, 'fixture');
    expect(sut.length).toBe(2 * 784);
    expect(sut[0]).toBe(1);
    expect(sut[784]).toBe(255);
  });

  it.each([
    ['a short image', `{"data":[[1,2,3]]}`],
    ['a value over 255', `{"data":[[${image(256)}]]}`],
    ['a negative value', `{"data":[[-${image(1)}]]}`],
    ['a truncated file', `{"data":[[${image(1)}]`],
    ['floats', `{"data":[[0.5,${image(1)}]]}`],
  ])('rejects %s', (_name, text) => {
    expect(() => parseFashionClassJson(Buffer.from(text), 'fixture')).toThrowError(DatasetError);
  });
});

describe('parseClassList', () => {
  it.each([
    ['0-4', [0, 1, 2, 3, 4]],
    ['5,6,7', [5, 6, 7]],
    ['9,0-1', [9, 0, 1]],
    [' 2 , 3 ', [2, 3]],
  ])('reads %s', (text, expected) => {
    expect(parseClassList(text)).toEqual(expected);
  });

  it.each(['', 'a-b', '4-0', '1;2', '1--2', '-1'])('rejects "%s"', (text) => {
    expect(() => parseClassList(text)).toThrowError(DatasetError);
  });
});

describe('datasetSpecFromArgument', () => {
  it('builds MNIST, Fashion-MNIST and folder specs', () => {
    expect(
      datasetSpecFromArgument('mnist', { classes: [5, 6], trainSamples: 10, seed: 1 }),
    ).toEqual({
      kind: 'mnist',
      classes: [5, 6],
      trainSamples: 10,
      seed: 1,
      validationSamples: undefined,
    });
    expect(datasetSpecFromArgument('fashion-mnist', {})).toMatchObject({
      kind: 'fashion-mnist',
      classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    expect(datasetSpecFromArgument('folder:cats/and/dogs', {})).toMatchObject({
      kind: 'folder',
      path: 'cats/and/dogs',
    });
  });

  it.each([
    ['cifar10', {}],
    ['folder:', {}],
    ['folder:x', { classes: [0, 1] }],
  ])('rejects %s', (argument, options) => {
    expect(() => datasetSpecFromArgument(argument, options)).toThrowError(
      expect.objectContaining({ code: 'INVALID_DATASET_SPEC' }),
    );
  });
});

describe('seeded shuffle', () => {
  it('gives the same permutation for the same seed and another for another seed', () => {
    const base = Array.from({ length: 50 }, (_, i) => i);
    const shuffle = (seed: number) => SeededRandom.forDatasetSeed(seed).shuffleInPlace([...base]);
    const first = shuffle(1);
    expect(shuffle(1)).toEqual(first);
    expect(shuffle(2)).not.toEqual(first);
    expect([...first].sort((a, b) => a - b)).toEqual(base);
  });
});
