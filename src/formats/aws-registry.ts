import { alb } from './alb.js';
import { cloudfront } from './cloudfront.js';
import { elb } from './elb.js';
import { haproxy } from './haproxy.js';
import { s3access } from './s3access.js';
import type { LineFormat } from './types.js';
import { w3c } from './w3c.js';

/**
 * The line formats of load balancers, CDNs and W3C servers, for the registry in index.ts
 * (append them after the CLF family). Their detectors read only their own shapes (an ALB type
 * word, an ISO time first, `[time]` third with an S3 operation, TAB-separated CloudFront
 * columns, `#Fields` with space-separated values, HAProxy's accept date and timers), so the
 * order among them does not matter.
 */
export const awsAndW3cFormats: LineFormat[] = [alb, elb, cloudfront, s3access, w3c, haproxy];
