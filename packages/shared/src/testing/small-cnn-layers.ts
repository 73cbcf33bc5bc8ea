/** One row of a model's layer table as tests send it to `createModel`. */
export interface LayerFixture {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
  weightBearing: boolean;
  weightIndex?: number;
}

const layer = (
  name: string,
  type: string,
  outputShape: number[],
  params = 0,
  weightIndex?: number,
): LayerFixture => ({
  name,
  type,
  outputShape,
  params,
  weightBearing: weightIndex !== undefined,
  ...(weightIndex === undefined ? {} : { weightIndex }),
});

/**
 * The layer table of `small-cnn` (28×28×1 input, the Keras transfer example's layout) with a head
 * of `headUnits` classes: four weight-bearing layers, conv1, conv2, dense1 and head. The API's and
 * the web app's tests describe their source models with it.
 */
export function smallCnnLayers(headUnits = 10): LayerFixture[] {
  return [
    layer('conv1', 'Conv2D', [-1, 26, 26, 16], 160, 0),
    layer('pool1', 'MaxPooling2D', [-1, 13, 13, 16]),
    layer('conv2', 'Conv2D', [-1, 11, 11, 32], 4640, 1),
    layer('pool2', 'MaxPooling2D', [-1, 5, 5, 32]),
    layer('flatten', 'Flatten', [-1, 800]),
    layer('dense1', 'Dense', [-1, 64], 800 * 64 + 64, 2),
    layer('head', 'Dense', [-1, headUnits], 64 * headUnits + headUnits, 3),
  ];
}
