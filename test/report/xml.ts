// A small, strict XML reader for tests: elements, attributes, text, comments, the predefined
// and numeric entities. Throws on anything not well-formed (unbalanced tags, a raw `<` or `&`,
// characters XML 1.0 forbids, duplicate attributes).
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME = /[A-Za-z_][\w.:-]*/y;

export function parseXml(src: string): XmlElement {
  if (FORBIDDEN.test(src)) throw new Error('a character XML 1.0 forbids');
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const eat = (s: string) => {
    if (!src.startsWith(s, i)) fail(`expected ${s}`);
    i += s.length;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const decode = (raw: string): string => {
    if (raw.includes('<')) fail('raw < in content');
    return raw.replace(/&([^;]*);|&/g, (all, ent: string | undefined) => {
      if (ent === undefined) return fail('raw & in content');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ent in named) return named[ent]!;
      const m = /^#(?:x([0-9a-fA-F]+)|(\d+))$/.exec(ent);
      if (!m) return fail(`unknown entity ${all}`);
      return String.fromCodePoint(m[1] ? parseInt(m[1], 16) : Number(m[2]));
    });
  };
  const skipMisc = () => {
    for (;;) {
      ws();
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    eat('<');
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name: tag, attrs, children: [], text: '' };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const a = name();
      if (a in attrs) fail(`duplicate attribute ${a}`);
      ws();
      eat('=');
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('expected a quoted value');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      attrs[a] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`unclosed <${tag}>`);
      if (src.startsWith('</', i)) {
        i += 2;
        if (name() !== tag) fail(`mismatched end tag for <${tag}>`);
        ws();
        eat('>');
        return { name: tag, attrs, children, text };
      }
      if (src.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      if (src[i] === '<') {
        children.push(element());
        continue;
      }
      const next = src.indexOf('<', i);
      const raw = src.slice(i, next < 0 ? src.length : next);
      text += decode(raw);
      i += raw.length;
    }
  };
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element named `name`, depth first. */
export function findAll(e: XmlElement, name: string): XmlElement[] {
  return [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => findAll(c, name))];
}
