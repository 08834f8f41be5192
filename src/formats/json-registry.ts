import { jsonlFormats } from './jsonl.js';
import type { LineFormat } from './types.js';

/**
 * The JSON-lines formats, for the format registry (src/formats/index.ts): the presets first
 * (traefik, caddy, envoy, cloudflare; detected by their characteristic keys), then `jsonl`,
 * which needs `--map` and is never chosen by detection.
 */
export const jsonFormats: LineFormat[] = [...jsonlFormats];
