// The dashboard's pages. Every value from the API goes into the page as text (textContent or
// escaped), never as markup, except the fabric picture, which is the server's own drawing.
import { api, stream } from './api.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const table = (head, rows) => `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
const td = (v, cls = '') => `<td${cls ? ` class="${esc(cls)}"` : ''}>${esc(v)}</td>`;
const status = (s) => td(s, `status-${s}`);

export async function fabricsPage(main) {
  const { fabrics } = await api('/api/v1/fabrics');
  main.innerHTML = `<h1>Fabrics</h1>${table(
    ['fabric', 'switches', 'links', 'racks', 'run lock'],
    fabrics.map((f) => [`<td><a href="#/fabric/${encodeURIComponent(f.name)}">${esc(f.name)}</a></td>`, td(f.switches), td(f.links), td(f.racks), td(f.lock.held ? `${f.lock.holder.command} run ${f.lock.holder.runId} (pid ${f.lock.holder.pid}, since ${f.lock.holder.since})` : 'free')]),
  )}`;
  if (fabrics.length === 1) location.hash = `#/fabric/${encodeURIComponent(fabrics[0].name)}`;
}

/** The picture (the HTML drift report's drawing), recoloured by every drift round of the bus. */
export async function fabricPage(main, name, live, me) {
  main.innerHTML = `<h1>${esc(name)}</h1>
    <p id="verdict" class="meta">reading the switches…</p>
    ${me.role === 'operate' ? '<p><button id="plan" class="primary">Plan</button> <span id="plan-state" class="meta"></span></p>' : ''}
    <div id="picture"></div><p id="rack-detail" class="meta"></p>
    <h2>Drift</h2><div id="drift"></div>`;
  const off = live.on('drift', (d) => d.fabric === name && paint(main, d.report));
  const svg = await api(`/api/v1/fabrics/${encodeURIComponent(name)}/picture`);
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const pic = main.querySelector('#picture');
  pic.append(document.importNode(doc.documentElement, true));
  for (const g of pic.querySelectorAll('g.rack')) g.addEventListener('click', () => rackDetail(main, g.dataset.rack));
  if (live.latest.has(name)) paint(main, live.latest.get(name));
  main.querySelector('#plan')?.addEventListener('click', async () => {
    const st = main.querySelector('#plan-state');
    st.textContent = 'planning…';
    try {
      const p = await api(`/api/v1/fabrics/${encodeURIComponent(name)}/plan`, { method: 'POST', body: {} });
      location.hash = `#/plan/${p.id}`;
    } catch (e) {
      st.textContent = e.message;
    }
  });
  return off;
}

let lastReport;
function paint(main, r) {
  lastReport = r;
  const svg = main.querySelector('svg#fabric');
  const verdict = main.querySelector('#verdict');
  if (verdict) verdict.textContent = `${r.drift ? `${r.summary.findings} finding(s)` : 'no drift'} — ${r.summary.switches} switches read at ${r.at}`;
  if (svg) {
    for (const l of r.links) {
      const el = svg.querySelector(`line[data-link="${CSS.escape(l.id)}"]`);
      if (!el) continue;
      el.setAttribute('class', `link state-${l.state}`);
      el.dataset.state = l.state;
      el.dataset.findings = String(l.findings);
      const t = el.querySelector('title');
      if (t) t.textContent = `${l.leaf} ${l.leafPort} — ${l.spine} ${l.spinePort}: ${l.state === 'ok' ? 'ok' : `${l.findings} finding(s), worst ${l.state}`}`;
    }
    for (const s of r.switches) {
      const el = svg.querySelector(`g[data-switch="${CSS.escape(s.name)}"]`);
      if (!el) continue;
      el.setAttribute('class', `switch state-${s.state}`);
      el.dataset.state = s.state;
    }
  }
  const drift = main.querySelector('#drift');
  if (drift) {
    // A fabric in factory state has thousands of findings: the first 500 here, all in the report.
    const shown = r.findings.slice(0, 500);
    const more = r.findings.length - shown.length;
    drift.innerHTML = r.findings.length
      ? (more > 0 ? `<p class="meta">the first 500 of ${r.findings.length} findings; all of them: <a href="/api/v1/fabrics/${encodeURIComponent(r.fabric)}/drift?format=md">the report</a> (with a token)</p>` : '') +
        table(['severity', 'switch', 'class', 'object', 'expected', 'actual', 'remediation'], shown.map((f) => [td(f.severity, `status-${f.severity === 'error' ? 'failed' : 'pending'}`), td(f.switch), td(f.class), `<td><code>${esc(f.object)}</code></td>`, td(f.expected), td(f.actual), td(f.causedBy ? `follows from ${f.causedBy}` : f.remediation.text)]))
      : '<p id="no-findings" class="ok">No finding: every switch matches the fabric file.</p>';
  }
}

function rackDetail(main, rack) {
  const out = main.querySelector('#rack-detail');
  if (!lastReport) return;
  const leaves = new Set([...main.querySelectorAll(`g[data-rack="${CSS.escape(rack)}"] g[data-switch]`)].map((g) => g.dataset.switch));
  const links = lastReport.links.filter((l) => leaves.has(l.leaf));
  out.textContent = `rack ${rack}: ${[...leaves].join(', ')} — ${links.filter((l) => l.state !== 'ok').map((l) => `${l.id}: ${l.state}`).join('; ') || 'every cable ok'}`;
}

export async function planPage(main, id, me) {
  const p = await api(`/api/v1/plans/${encodeURIComponent(id)}`);
  const rows = p.plan.switches.map((s) => [td(s.switch), td(s.error ? `${s.error.code}: ${s.error.message}` : s.changes.length), td(s.impact), td(s.firstBringUp ? 'first bring-up' : ''), `<td><pre>${esc(s.changes.map((c) => `${c.op} ${c.key}`).join('\n'))}</pre></td>`]);
  main.innerHTML = `<h1>Plan ${esc(p.id)}</h1><p class="meta">fabric ${esc(p.fabric)}, made ${esc(p.createdAt)}; ${p.pending ? 'changes pending' : 'nothing to do'}</p>
    ${p.plan.allocationChanges.length ? `<h2>Allocation</h2><pre>${esc(p.plan.allocationChanges.map((c) => `${c.kind} ${c.object} ${c.field} ${c.from ?? ''} → ${c.to ?? ''}`).join('\n'))}</pre>` : ''}
    ${table(['switch', 'changes', 'impact', '', 'changes in order'], rows)}
    ${me.role === 'operate' && p.pending ? '<p><button id="apply" class="primary">Apply</button> <span id="apply-state" class="meta"></span></p>' : ''}`;
  main.querySelector('#apply')?.addEventListener('click', async () => {
    const st = main.querySelector('#apply-state');
    try {
      const { run } = await api(`/api/v1/fabrics/${encodeURIComponent(p.fabric)}/apply`, { method: 'POST', body: { plan: p.id } });
      location.hash = `#/run/${run}`;
    } catch (e) {
      st.textContent = e.message;
      st.className = 'error';
    }
  });
}

export async function runsPage(main, live) {
  const draw = async () => {
    const { runs } = await api('/api/v1/runs');
    main.innerHTML = `<h1>Runs</h1>${runs.length ? table(['run', 'kind', 'fabric', 'state', 'started', 'ended'], runs.map((r) => [`<td><a href="#/run/${encodeURIComponent(r.id)}">${esc(r.id)}</a></td>`, td(r.kind), td(r.fabric), status(r.state), td(r.startedAt), td(r.endedAt ?? '')])) : '<p>No run yet.</p>'}`;
  };
  await draw();
  return live.on('run', () => void draw());
}

/** A run's progress, live: its stages, every switch's step, and the event log. */
export async function runPage(main, id) {
  const run = await api(`/api/v1/runs/${encodeURIComponent(id)}`);
  // A run that has ended shows its end state once its events are replayed (the stream ends with
  // done), so the page never says "done" above switches still drawn as pending.
  const shown = run.state === 'running' ? run.state : 'replaying';
  main.innerHTML = `<h1>${esc(run.kind)} ${esc(run.id)}</h1><p>fabric ${esc(run.fabric)} — <span id="run-state" class="status-${esc(shown)}">${esc(shown)}</span></p>
    <h2>Stages</h2><div id="stages"></div><h2>Switches</h2><div id="switches"></div><h2>Events</h2><pre id="log"></pre>`;
  const stages = new Map();
  const switches = new Map();
  const redraw = () => {
    main.querySelector('#stages').innerHTML = stages.size ? table(['stage', 'status'], [...stages].map(([s, st]) => [td(s), status(st)])) : '<p class="meta">(no stages: not a bring-up)</p>';
    main.querySelector('#switches').innerHTML = table(['switch', 'stage', 'step / result', 'detail'], [...switches].map(([n, s]) => [td(n), td(s.stage ?? ''), status(s.status), td(s.detail ?? '')]));
  };
  const log = main.querySelector('#log');
  const ctl = new AbortController();
  stream(`/api/v1/runs/${encodeURIComponent(id)}/events`, (name, d) => {
    log.textContent += `${d.at.slice(11, 19)} ${name} ${name === 'done' ? d.state : name === 'stage' ? `${d.stage} ${d.status}` : `${d.switch} ${d.step ?? d.status}${d.result ? ` → ${d.result}` : ''}${d.detail ? `: ${d.detail}` : ''}`}\n`;
    if (name === 'stage') stages.set(d.stage, d.status);
    if (name === 'switch') switches.set(d.switch, { stage: d.stage, status: d.result ?? d.step ?? d.status, detail: d.detail });
    if (name === 'done') {
      const st = main.querySelector('#run-state');
      st.textContent = d.state;
      st.className = `status-${d.state}`;
    }
    redraw();
  }, ctl.signal).catch(() => undefined);
  redraw();
  return () => ctl.abort();
}
