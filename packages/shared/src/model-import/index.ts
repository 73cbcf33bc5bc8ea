export * from './import-limits.js';
export * from './model-import-error.js';
export * from './layers-manifest.js';
export * from './layers-topology.js';
export * from './layer-shapes.js';
export * from './foreign-formats.js';
