import { UsageError } from '../core/errors.js';
import { runK8s } from '../commands/k8s.js';
import type { Command } from './command.js';

export const k8sCommand: Command = {
  spec: {
    name: 'k8s',
    summary: 'Print Kubernetes manifests that split one run across N pods (an Indexed Job) and merge the results exactly.',
    usage: 'tidemark k8s <profile.json> --segments N --image IMAGE --results s3://bucket/prefix/',
    details: 'Each pod plays --segment k/N of the same schedule from a shared --start-at and uploads its results;\na merge Job combines them. See docs/distributed.md.',
    positionals: [1, 1],
    options: [
      { name: 'segments', short: 'n', type: 'number', arg: 'N', description: 'pods, each playing one segment' },
      { name: 'image', type: 'string', arg: 'IMAGE', description: 'a tidemark image (see Dockerfile)' },
      { name: 'results', type: 'string', arg: 'S3', description: 's3://bucket/prefix/ where results are uploaded' },
      { name: 'target', short: 't', type: 'string', arg: 'URL', description: 'the target (default: the profile\'s)' },
      { name: 'name', type: 'string', arg: 'NAME', description: 'Job name prefix', default: 'tidemark' },
      { name: 'namespace', type: 'string', arg: 'NS', description: 'namespace of the Jobs' },
      { name: 'start-at', type: 'string', arg: 'ISO', description: 'shared start time', default: 'now + 2 minutes' },
      { name: 'cpu', type: 'string', arg: 'CPU', description: 'CPU request per pod', default: '1' },
      { name: 'memory', type: 'string', arg: 'MEM', description: 'memory per pod', default: '512Mi' },
    ],
  },
  handler: async (args, ctx) => {
    const missing = ['segments', 'image', 'results'].filter((o) => args.options[o] === undefined);
    if (missing.length > 0) throw new UsageError(`tidemark k8s: missing ${missing.map((m) => `--${m}`).join(', ')}`, { hint: 'e.g. --segments 4 --image registry.example/tidemark:1 --results s3://bucket/run-1/' });
    return runK8s(
      {
        profile: args.positionals[0] as string,
        segments: args.options.segments as number,
        image: args.options.image as string,
        results: args.options.results as string,
        target: args.options.target as string | undefined,
        name: args.options.name as string | undefined,
        namespace: args.options.namespace as string | undefined,
        startAt: args.options['start-at'] as string | undefined,
        cpu: args.options.cpu as string | undefined,
        memory: args.options.memory as string | undefined,
      },
      ctx,
    );
  },
};
