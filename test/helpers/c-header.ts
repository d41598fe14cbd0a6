/** Reads `enum <name> { A = 1, ... }` constants out of a C header, for drift tests. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const addonSrc = fileURLToPath(new URL('../../../addon/src/', import.meta.url));

export function readCEnum(header: string, name: string): Map<string, number> {
  const text = fs.readFileSync(addonSrc + header, 'utf8');
  const body = new RegExp(`enum ${name} \\{([\\s\\S]*?)\\};`).exec(text)?.[1];
  if (!body) throw new Error(`enum ${name} not found in ${header}`);
  const out = new Map<string, number>();
  for (const m of body.matchAll(/^\s*([A-Z0-9_]+)\s*=\s*(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

export function readCDefine(header: string, name: string): number {
  const text = fs.readFileSync(addonSrc + header, 'utf8');
  const m = new RegExp(`#define ${name} (0x[0-9a-fA-F]+|\\d+)u?`).exec(text);
  if (!m) throw new Error(`#define ${name} not found in ${header}`);
  return Number(m[1]);
}
