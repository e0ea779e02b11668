// fabric.svg: well-formed XML that names every switch and draws every cable; up to 16 × 128 one
// box per leaf, above that one per rack (racks folded, every leaf still named in its tooltip).
// Then looked at in headless Chromium: every name drawn, no two labels overlapping, each inside
// its box; the screenshots are kept in test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { syntheticFabric } from '../../bench/compile.ts';
import { compileFabric, formatDiagnostics, type Compiled } from '../../src/core/compile.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';
import { findAll, parseXml, type XmlElement } from '../report/xml.ts';
import { compileExample } from '../support/docs-goldens.ts';
import { ROOT } from '../support/goldens.ts';

function synthetic(spines: number, leaves: number): Compiled {
  const r = compileFabric({ text: syntheticFabric(spines, leaves), file: 'synthetic.fabric.yaml' });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  return r;
}

const svgOf = (c: Compiled) => fabricDocs(c).get('fabric.svg')!;

/** Long names everywhere, one spine, a rack of one leaf and a long description. */
const ODD = [
  'fabric: odd',
  `description: ${'a long description of the hall, the rows and the racks, '.repeat(6)}`,
  'underlay: {asn: {spine: 65100, leaves: 65101-65534}, loopbacks: 10.0.0.0/24, p2p: 10.1.0.0/24}',
  'defaults: {hwsku: Force10-S6000}',
  'spines: [{name: spine-hall-b-row-3-a}]',
  'racks:',
  '  - {name: row-b-rack-07-with-a-long-name, leaves: [tor-row-b-rack-07-upper-01]}',
  '  - {name: r2, leaves: [l2a, l2b, l2c]}',
  'cabling: {leaf-uplinks: [Ethernet120], spine-ports: Ethernet0-Ethernet116/4}',
  '',
].join('\n');
const texts = (svg: XmlElement) => findAll(svg, 'text').map((t) => t.text);
const titles = (svg: XmlElement) => findAll(svg, 'title').map((t) => t.text);

describe('fabric.svg', () => {
  for (const name of ['dc1', 'pod4x32']) {
    it(`${name}: valid XML, every switch and rack named, one curve per cable`, () => {
      const c = compileExample(`${name}.fabric.yaml`);
      const svg = parseXml(svgOf(c));
      expect(svg.name).toBe('svg');
      expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      for (const s of c.intents) expect(texts(svg), s.name).toContain(s.name);
      for (const r of c.fabric.racks) expect(texts(svg)).toContain(r.name);
      const lines = findAll(svg, 'path').filter((p) => p.attrs.class === 'cable');
      expect(lines).toHaveLength(c.fabric.cables.length);
      // Each line's tooltip is its cable: the leaf port and the spine port of the lock.
      const tips = new Set(lines.map((l) => l.children[0]!.text));
      for (const l of c.allocation.links.values()) expect([...tips].some((t) => t.includes(`${l.leaf} ${l.leafPort} — ${l.spine} ${l.spinePort},`))).toBe(true);
    });
  }

  it('16 × 130 folds racks into one box each, one bundle per rack and spine, every leaf still named', () => {
    const c = synthetic(16, 130);
    const svg = parseXml(svgOf(c));
    expect(texts(svg).filter((t) => /^leaf\d+–leaf\d+ \(2\)$/.test(t))).toHaveLength(65); // one box per rack
    expect(findAll(svg, 'path').filter((p) => p.attrs.class === 'cable')).toHaveLength(65 * 16);
    const all = titles(svg).join('\n');
    for (const s of c.intents) expect(all).toMatch(new RegExp(`\\b${s.name}\\b`));
    expect(texts(svg).join('\n')).toContain('racks folded');
  });
});

describe('fabric.svg in headless Chromium', () => {
  const artifacts = join(ROOT, 'test-artifacts');
  const cases: [string, () => Compiled][] = [
    ['dc1', () => compileExample('dc1.fabric.yaml')],
    ['pod4x32', () => compileExample('pod4x32.fabric.yaml')],
    ['16x128', () => synthetic(16, 128)],
    ['odd-names', () => {
      const r = compileFabric({ text: ODD, file: 'odd.fabric.yaml' });
      if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
      return r;
    }],
  ];
  it('draws every name, no label overlaps another or leaves its box; screenshots kept', async () => {
    mkdirSync(artifacts, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), 'clos-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      for (const [name, compile] of cases) {
        const c = compile();
        const file = join(artifacts, `fabric-${name}.svg`);
        writeFileSync(file, svgOf(c));
        const page = await ctx.newPage();
        const size = /width="(\d+)" height="(\d+)"/.exec(svgOf(c))!;
        await page.setViewportSize({ width: Number(size[1]), height: Number(size[2]) });
        await page.goto(`file://${file}`);
        const seen = await page.evaluate(() => {
          const boxes = [...document.querySelectorAll('text')].map((t) => {
            const r = t.getBoundingClientRect();
            const frame = t.parentElement?.querySelector('rect')?.getBoundingClientRect();
            return { text: t.textContent ?? '', x: r.left, y: r.top, w: r.width, h: r.height, inside: t.parentElement?.closest('#switches') ? frame : undefined };
          });
          const overlaps: string[] = [];
          for (let i = 0; i < boxes.length; i++) {
            const a = boxes[i]!;
            for (let j = i + 1; j < boxes.length; j++) {
              const b = boxes[j]!;
              if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.text} / ${b.text}`);
            }
          }
          const outside = boxes.filter((b) => b.inside && (b.x < b.inside.left || b.y < b.inside.top || b.x + b.w > b.inside.right || b.y + b.h > b.inside.bottom)).map((b) => b.text);
          return { names: boxes.map((b) => b.text), framed: boxes.filter((b) => b.inside).length, drawn: boxes.every((b) => b.w > 0 && b.h > 0), overlaps, outside };
        });
        for (const s of c.intents) expect(seen.names, `${name}: ${s.name}`).toContain(s.name);
        expect(seen.framed, name).toBe(c.intents.length);
        expect(seen.drawn, name).toBe(true);
        expect(seen.overlaps, name).toEqual([]);
        expect(seen.outside, name).toEqual([]);
        const png = join(artifacts, `fabric-${name}.png`);
        await page.screenshot({ path: png });
        console.info(`fabric.svg of ${name} in Chromium: ${png}`);
        await page.close();
      }
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 180_000);
});
