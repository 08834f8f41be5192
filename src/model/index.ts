/** The public API of src/model, listed by hand (everything else is internal). */
export { ModelBuilder, buildModel, normalizeMethod, EXIT, OTHER_TEMPLATE } from './builder.js';
export type { ModelOptions, BuilderStats } from './builder.js';
export { parseModel } from './load.js';
export { StreamingDistribution } from './distribution.js';
export { classifySegment } from './routes.js';
export { isBot, trafficClassOf, TRAFFIC_CLASSES } from './bots.js';
export type { TrafficClass } from './bots.js';
