export { leep } from './leep.js';
export { argmaxRows, nce } from './nce.js';
export { logMe, logMeEvidence, type LogMeClass, type LogMeResult } from './logme.js';
export { rowMatrix, type RowMatrix } from './label-matrix.js';
export { scoreSourceModel, type SourceModelScore } from './score-source.js';
