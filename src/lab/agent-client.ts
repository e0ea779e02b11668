// Talks to a switch's agent over <switch dir>/agent.sock, a line protocol:
//   "restart-bgp\n" → "ok\n" once FRR is back with its static config re-rendered,
//                     or "error <reason>\n".
// This is how `clos lab exec F SW -- systemctl restart bgp` reaches the agent.
import { connect } from 'node:net';
import { join } from 'node:path';
import { LabError } from './errors.ts';

export function agentSocket(switchDir: string): string {
  return join(switchDir, 'agent.sock');
}

export async function agentRequest(switchName: string, socket: string, command: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let buf = '';
    const fail = (why: string, cause?: unknown) => {
      conn.destroy();
      reject(new LabError('LAB_AGENT', `switch ${switchName}: agent at ${socket}: ${why}`, { cause }));
    };
    const timer = setTimeout(() => fail(`no answer to "${command}" within ${timeoutMs} ms`), timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${command}\n`));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      const line = buf.slice(0, nl).trim();
      if (line === 'ok' || line.startsWith('ok ')) resolve(line);
      else fail(`"${command}" refused: ${line.replace(/^error\s*/, '')}`);
    });
    conn.on('error', (e) => {
      clearTimeout(timer);
      fail(`cannot connect (${(e as NodeJS.ErrnoException).code ?? e.message})`, e);
    });
    conn.on('close', () => {
      clearTimeout(timer);
      if (!buf.includes('\n')) fail(`closed the connection without answering "${command}"`);
    });
  });
}

export async function restartBgp(switchName: string, switchDir: string): Promise<void> {
  await agentRequest(switchName, agentSocket(switchDir), 'restart-bgp');
}
