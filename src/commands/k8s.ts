import type { RunContext } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';

export interface K8sOptions {
  profile: string;
  segments: number;
  image: string;
  results: string;
  target?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  /** Seconds between applying the manifests and the shared start (pods need time to be scheduled). */
  startDelaySec?: number | undefined;
  /** The shared start; default: now + startDelaySec. */
  startAt?: string | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
}

const quote = (s: string): string => JSON.stringify(s);

/**
 * Kubernetes manifests for a run split across N pods: an Indexed Job (completionMode: Indexed)
 * whose pod k plays `--segment k/N` of one schedule from a shared `--start-at`, each uploading
 * its results to S3, and a merge Job that combines them exactly. YAML written by hand: the
 * shapes are fixed and small, and a test parses them.
 */
export function renderK8sManifests(opts: K8sOptions, nowMs: number): string {
  if (!Number.isInteger(opts.segments) || opts.segments < 1 || opts.segments > 1000) throw new UsageError('--segments takes a whole number from 1 to 1000');
  if (!opts.results.startsWith('s3://')) throw new UsageError('--results must be an s3://bucket/prefix/ location', { hint: 'every pod uploads its results there and the merge Job reads them' });
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.name ?? 'tidemark')) throw new UsageError('--name must be a DNS-1123 label (lower case letters, digits, -)');
  const name = opts.name ?? 'tidemark';
  const prefix = opts.results.endsWith('/') ? opts.results : `${opts.results}/`;
  const startAt = opts.startAt ?? new Date(nowMs + (opts.startDelaySec ?? 120) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const namespace = opts.namespace ? `\n  namespace: ${opts.namespace}` : '';
  const targetArg = opts.target ? ` --target ${quote(opts.target)}` : '';
  const resources = `
          resources:
            requests: { cpu: ${quote(opts.cpu ?? '1')}, memory: ${quote(opts.memory ?? '512Mi')} }
            limits: { memory: ${quote(opts.memory ?? '512Mi')} }`;
  const s3Env = `
          env:
            - name: AWS_REGION
              valueFrom: { secretKeyRef: { name: ${name}-s3, key: region, optional: true } }
            - name: AWS_ACCESS_KEY_ID
              valueFrom: { secretKeyRef: { name: ${name}-s3, key: access-key-id, optional: true } }
            - name: AWS_SECRET_ACCESS_KEY
              valueFrom: { secretKeyRef: { name: ${name}-s3, key: secret-access-key, optional: true } }`;
  return `# tidemark: ${opts.segments} segments of ${opts.profile}, starting together at ${startAt}.
# Kubernetes sets JOB_COMPLETION_INDEX (0..${opts.segments - 1}) in each pod of an Indexed Job.
# 1. kubectl apply -f run.yaml   (the first document; credentials for ${prefix} in the secret ${name}-s3, or an IAM role)
# 2. kubectl wait --for=condition=complete job/${name}-run --timeout=2h
# 3. kubectl apply -f merge.yaml (the second document): merges the ${opts.segments} results exactly
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}-run${namespace}
  labels: { app.kubernetes.io/name: tidemark, tidemark/role: run }
spec:
  completionMode: Indexed
  completions: ${opts.segments}
  parallelism: ${opts.segments}
  backoffLimit: 0
  template:
    metadata:
      labels: { app.kubernetes.io/name: tidemark, tidemark/role: run }
    spec:
      restartPolicy: Never
      containers:
        - name: tidemark
          image: ${opts.image}
          command: ["sh", "-c"]
          args:
            - >-
              exec tidemark run ${quote(opts.profile)}${targetArg}
              --segment "$JOB_COMPLETION_INDEX/${opts.segments}"
              --start-at ${startAt}
              --out "${prefix}segment-$JOB_COMPLETION_INDEX.json"${s3Env}${resources}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}-merge${namespace}
  labels: { app.kubernetes.io/name: tidemark, tidemark/role: merge }
spec:
  backoffLimit: 3
  template:
    metadata:
      labels: { app.kubernetes.io/name: tidemark, tidemark/role: merge }
    spec:
      restartPolicy: OnFailure
      containers:
        - name: merge
          image: ${opts.image}
          command: ["sh", "-c"]
          args:
            - >-
              exec tidemark merge ${quote(prefix)} --out "${prefix}merged.json" --html "${prefix}merged.html"${s3Env}${resources}
`;
}

export async function runK8s(opts: K8sOptions, ctx: RunContext): Promise<number> {
  ctx.stdout.write(renderK8sManifests(opts, ctx.clock.wallMs()));
  return ExitCode.OK;
}
