/**
 * `import --routes FILE` and `--openapi FILE`: reads the files and hands their text to the pure
 * parsers of src/model/user-routes.ts. Routes from the routes file come first, so they win over
 * the OpenAPI document's where both give the same path shape.
 *
 * OpenAPI documents are read as JSON. YAML needs a YAML parser, which tidemark does not ship at
 * run time; a YAML document gets an error that says how to convert it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { parseOpenApi, parseRoutesFile, type UserRoute } from '../model/user-routes.js';

export interface UserRouteFiles {
  routes?: string | undefined;
  openapi?: string | undefined;
}

async function readText(file: string, cwd: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (cause) {
    throw new InputError(`cannot read ${what} ${file}: ${(cause as Error).message}`, { hint, cause });
  }
}

const YAML_HINT = (file: string): string =>
  `convert it to JSON first, e.g. \`npx yaml --json --single < ${file} > spec.json\` or \`yq -o=json ${file} > spec.json\`, and give --openapi spec.json`;

/** Parses an OpenAPI document's text (JSON); a YAML one is refused with how to convert it. */
export function openApiFromText(text: string, file: string): UserRoute[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart()[0];
  const yamlName = /\.ya?ml$/i.test(file);
  // JSON is YAML too: a .yaml file that holds JSON is read.
  if (first !== '{') {
    throw new InputError(`${file}: OpenAPI documents are read as JSON, and this ${yamlName || first !== undefined ? 'looks like YAML' : 'is empty'}`, { hint: YAML_HINT(file) });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (cause) {
    throw new InputError(`${file}: not valid JSON: ${(cause as Error).message}`, { hint: yamlName ? YAML_HINT(file) : 'give an OpenAPI 3.x or Swagger 2.0 document in JSON', cause });
  }
  return parseOpenApi(doc, file);
}

/** The user-given routes, in order of precedence, or undefined when neither option is given. */
export async function readUserRoutes(files: UserRouteFiles, cwd: string): Promise<UserRoute[] | undefined> {
  if (files.routes === undefined && files.openapi === undefined) return undefined;
  const routes: UserRoute[] = [];
  if (files.routes !== undefined) {
    const text = await readText(files.routes, cwd, 'routes file', 'one route a line: `GET /api/products/:id`');
    routes.push(...parseRoutesFile(text, files.routes));
  }
  if (files.openapi !== undefined) {
    const text = await readText(files.openapi, cwd, 'OpenAPI document', 'give an OpenAPI 3.x or Swagger 2.0 document in JSON');
    routes.push(...openApiFromText(text, files.openapi));
  }
  return routes;
}
