// `node --import tsx src/lab/agent-request.ts SWITCH SOCKET REQUEST`: one request to a switch's
// agent as a command, for channels that can only run commands (the controller's lab exec
// channel runs what planExec returns). Exit 0 on `ok`; otherwise the reason on stderr, exit 1.
import { agentRequest } from './agent-client.ts';

const [switchName, socket, request] = process.argv.slice(2);
if (!switchName || !socket || !request) {
  process.stderr.write('usage: agent-request.ts SWITCH SOCKET REQUEST\n');
  process.exit(2);
}
try {
  await agentRequest(switchName, socket, request, 120_000);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
