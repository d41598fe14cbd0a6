/**
 * Schema validation of spec documents with the ahead-of-time compiled validators, turned into one
 * {@link ConfigError}: `config.json: /process/args: must be an array (config.md#configProcess)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Spec } from './generated/config.js';
import type { Features } from './generated/features.js';
import type { State } from './generated/state.js';
import { validateConfig, validateFeatures, validateState } from './generated/validators.js';
import { packageRoot } from '../paths.js';

/** The part of an ajv error we read (the standalone validators are untyped). */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type Validator = ((doc: unknown) => boolean) & { errors?: SchemaError[] | null };

export function validateSpec(doc: unknown, file = 'config.json'): Spec {
  const spec = check<Spec>(validateConfig as Validator, 'config.schema.json', doc, file);
  const nul = nulAt(spec, '');
  if (nul !== undefined) {
    throw new ConfigError(file, nul, 'must not contain a NUL byte (paths, arguments and names reach the kernel as C strings)', schemaAt('config.schema.json', nul).section);
  }
  return spec;
}

/**
 * The pointer of the first string or key holding a NUL byte, outside /annotations (which only ever
 * travel as JSON). The kernel would cut such a string short, so it names something else.
 */
function nulAt(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? pointer : undefined;
  if (value === null || typeof value !== 'object' || pointer === '/annotations') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = `${pointer}/${escapePointer(key)}`;
    if (key.includes('\0')) return at;
    const found = nulAt(child, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function validateStateDocument(doc: unknown, file = 'state.json'): State {
  return check<State>(validateState as Validator, 'state.schema.json', doc, file);
}

export function validateFeaturesDocument(doc: unknown, file = 'features.json'): Features {
  return check<Features>(validateFeatures as Validator, 'features.schema.json', doc, file);
}

function check<T>(validate: Validator, schemaFile: string, doc: unknown, file: string): T {
  if (validate(doc)) return doc as T;
  const error = validate.errors?.[0];
  if (!error) throw new ConfigError(file, '', 'does not match the schema', undefined);
  // A missing or unknown property is reported where it is (or should be), not at its parent.
  const child = error.keyword === 'required' ? error.params.missingProperty : error.keyword === 'additionalProperties' ? error.params.additionalProperty : undefined;
  const pointer = child === undefined ? error.instancePath : `${error.instancePath}/${escapePointer(String(child))}`;
  const { node, section } = schemaAt(schemaFile, pointer);
  throw new ConfigError(file, pointer, describe(error, node), section);
}

/** Plain-English expectation for one ajv error; `node` is the schema of the failing value, when known. */
export function describe(error: SchemaError, node?: SchemaNode): string {
  const p = error.params;
  // Bounds are always on integers in our schemas; saying so spares a second round trip for 1.5.
  const number = node?.type === 'integer' ? 'an integer ' : '';
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed (unknown property)';
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `must be ${number}${p.comparison === '>=' ? '≥' : '>'} ${String(p.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `must be ${number}${p.comparison === '<=' ? '≤' : '<'} ${String(p.limit)}`;
    case 'minItems':
      return Number(p.limit) === 1 ? 'must be a non-empty array' : `must have at least ${String(p.limit)} items`;
    case 'pattern':
      return `must match ${String(p.pattern)}`;
    default:
      return error.message ?? `fails the schema's ${error.keyword} rule`;
  }
}

function article(type: string): string {
  const word = type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : type === 'array' ? 'an array' : `a ${type}`;
  return word.replace(/,/g, ' or ');
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

type SchemaNode = Record<string, unknown>;
const schemaCache = new Map<string, SchemaNode>();

function loadSchema(file: string): SchemaNode {
  let schema = schemaCache.get(file);
  if (!schema) {
    // Read only on the error path: a valid config never pays for it.
    schema = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'schemas', file), 'utf8')) as SchemaNode;
    schemaCache.set(file, schema);
  }
  return schema;
}

/** The spec section for a JSON pointer into a document of `schemaFile`'s kind. */
export function sectionFor(schemaFile: string, pointer: string): string | undefined {
  return schemaAt(schemaFile, pointer).section;
}

/**
 * The schema of the value at a JSON pointer, and its spec section: the deepest `x-spec` annotation
 * met while walking our schema along the pointer (through $ref, properties, items,
 * additionalProperties, patternProperties). The instance path is walked rather than ajv's
 * schemaPath because the latter restarts at each $ref target (a bare Uint32 knows no section).
 */
function schemaAt(schemaFile: string, pointer: string): { node: SchemaNode | undefined; section: string | undefined } {
  // Each node is kept with the document its local refs ("#/definitions/…") resolve in.
  const deref = (node: SchemaNode | undefined, doc: SchemaNode): [SchemaNode | undefined, SchemaNode] => {
    for (let i = 0; node && typeof node.$ref === 'string' && i < 16; i++) {
      const section = node['x-spec'];
      const [file, frag = ''] = node.$ref.split('#') as [string, string?];
      if (file) doc = loadSchema(file);
      let target: unknown = doc;
      for (const token of frag.split('/').filter(Boolean)) target = (target as SchemaNode | undefined)?.[unescapePointer(token)];
      node = target as SchemaNode | undefined;
      // An annotation beside the $ref stands in for a definition that has none of its own.
      if (node && section !== undefined && node['x-spec'] === undefined) node = { ...node, 'x-spec': section };
    }
    return [node, doc];
  };
  let [node, doc] = deref(loadSchema(schemaFile), loadSchema(schemaFile));
  let section = node?.['x-spec'] as string | undefined;
  for (const token of pointer.split('/').slice(1).map(unescapePointer)) {
    if (!node) break;
    const props = node.properties as Record<string, SchemaNode> | undefined;
    let next: SchemaNode | undefined;
    if (props && Object.hasOwn(props, token)) next = props[token];
    else if (node.items && /^\d+$/.test(token)) next = node.items as SchemaNode;
    else if (node.patternProperties) next = Object.values(node.patternProperties as Record<string, SchemaNode>)[0];
    else if (typeof node.additionalProperties === 'object') next = node.additionalProperties as SchemaNode;
    const own = next?.['x-spec'];
    [node, doc] = deref(next, doc);
    const found = (own ?? node?.['x-spec']) as string | undefined;
    if (found) section = found;
  }
  return { node, section };
}
