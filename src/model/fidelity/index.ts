/**
 * Fidelity metrics: how close a traffic sample (a test's) is to another (production's). Pure
 * functions on the model's summaries; `src/reports/fidelity.ts` turns them into verdicts.
 */
export { compareMix, expectedSamplingTvd, normalize, tvd, type EndpointShareComparison, type MixComparison, type Shares } from './mix.js';
export { ksCritical5, ksTwoSample, quantileCdf, quantileCdfBefore, quantileRatio, type KsResult, type QuantileRatios } from './ks.js';
export { chainOf, transitionDistance, type MarkovChain, type StateDistance, type TransitionComparison } from './transitions.js';
export { shapeNrmse, type ShapeComparison, type ShapeOptions } from './shape.js';
export { dispersionIndex, type DispersionPoint } from './dispersion.js';
export { littleConcurrency, modelConcurrency, type ConcurrencyProfile } from './concurrency.js';
