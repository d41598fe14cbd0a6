/**
 * JSON numbers beyond 2^53 lose their low bits in JSON.parse, but config.json carries full uint64s
 * (seccomp argument values such as 0xffffffff00000000, which a filter must compare exactly, as Go's
 * decoder in runc does). This scanner finds the integer tokens too large for a double and returns
 * them exactly, by JSON pointer; everything else keeps using JSON.parse's values.
 */

/** Integers whose magnitude needs more than a double's 53 bits, by the pointer of their value. */
export function exactIntegers(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  // Fast path: no run of 16 digits, no integer above 2^53 (9007199254740992 has 16 digits).
  if (!/\d{16}/.test(text)) return out;
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
  const value = (pointer: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        i++; // ':'
        value(`${pointer}/${escape(key)}`);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const token = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^(true|false|null)/.exec(text.slice(i, i + 400))![0];
    i += token.length;
    if (/^-?\d+$/.test(token)) {
      const big = BigInt(token);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) out.set(pointer, big);
    }
  };
  value('');
  return out;
}
