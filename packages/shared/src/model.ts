import type { Initialization } from './run.js';

/** One layer as recorded on a Model. `weightBearing` layers are the ones `frozenLayers` counts. */
export interface LayerInfo {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  weightBearing: boolean;
  /** Index among weight-bearing layers counted from the input (0-based), null otherwise. */
  weightIndex: number | null;
  trainable: boolean;
  /** Keras block the layer belongs to (`block_13`, `conv4_block2`), when its name follows one. */
  block?: string | null;
}

export const ModelKind = { SOURCE: 'source', TARGET: 'target' } as const;
export type ModelKind = (typeof ModelKind)[keyof typeof ModelKind];

/** What model surgery did to a source model to make a target model. */
export interface SurgeryRecord {
  /** Name of the last layer kept from the source model. */
  cutLayer: string;
  headUnits: number;
  frozenLayers: number;
  frozenLayerNames: string[];
  learningRate: number;
  initialization: Initialization;
}

export const ARCHITECTURES = ['small-cnn', 'vgg-mini', 'resnet-mini'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
