import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderK8sManifests } from '../../src/commands/k8s.js';
import { runCli } from '../../src/cli/main.js';
import { testContext } from '../helpers/context.js';

describe('tidemark k8s', () => {
  const text = renderK8sManifests({ profile: '/app/profiles/demo.json', segments: 4, image: 'registry.example/tidemark:1', results: 's3://bucket/run-1', target: 'http://staging:8080' }, Date.UTC(2026, 10, 29, 12));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, checked field by field below
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);

  it('prints an Indexed Job whose pods play one segment each from a shared start, and a merge Job', () => {
    expect(docs).toHaveLength(2);
    const [run, merge] = docs;
    expect(run).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'tidemark-run' } });
    expect(run!.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    const container = run!.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/tidemark:1');
    expect(run!.spec.template.spec.restartPolicy).toBe('Never');
    const script = container.args[0] as string;
    expect(script).toContain('--segment "$JOB_COMPLETION_INDEX/4"');
    expect(script).toContain('--start-at 2026-11-29T12:02:00Z');
    expect(script).toContain('--out "s3://bucket/run-1/segment-$JOB_COMPLETION_INDEX.json"');
    expect(script).toContain('--target "http://staging:8080"');
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(merge).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'tidemark-merge' } });
    expect(merge!.spec.template.spec.containers[0].args[0]).toContain('tidemark merge "s3://bucket/run-1/"');
  });

  it('the CLI checks its options', async () => {
    const ctx = testContext();
    expect(await runCli(['k8s', 'p.json', '--segments', '4'], ctx)).toBe(2);
    expect(ctx.err()).toMatch(/missing --image, --results/);
    const bad = testContext();
    expect(await runCli(['k8s', 'p.json', '--segments', '4', '--image', 'x', '--results', '/tmp/x'], bad)).toBe(2);
    expect(bad.err()).toMatch(/--results must be an s3:\/\/bucket\/prefix\//);
  });
});
