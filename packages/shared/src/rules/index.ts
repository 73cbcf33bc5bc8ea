export * from './hyperparameters.js';
export * from './sweep.js';
export * from './suggestions.js';
export * from './augmentation.js';
