/**
 * One local AWS emulator in its own process: `fauxqs` (SQS + S3) or `dynalite`
 * (DynamoDB). ESM because fauxqs is ESM-only and the project is CommonJS; started by
 * src/local/emulators.ts with the current Node binary.
 *
 * Usage: node src/local/emulator-process.mjs fauxqs|dynalite
 *
 * Listens on 127.0.0.1 on a free port and prints one JSON line `{"port":N}` on
 * stdout. Stops when stdin ends (the parent exited or closed the pipe) or on
 * SIGTERM/SIGINT, so it cannot outlive whoever started it.
 */
import net from 'node:net';

const kind = process.argv[2];

// fauxqs always listens on 0.0.0.0; we only ever want loopback, so the one listen
// call in this process is pinned to 127.0.0.1.
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && (first.host === '0.0.0.0' || first.host === '::')) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return originalListen.apply(this, args);
};

async function startFauxqs() {
  const { startFauxqs: start } = await import('fauxqs');
  const server = await start({ port: 0, logger: false, defaultRegion: 'us-east-1' });
  return { port: server.port, stop: () => server.stop() };
}

async function startDynalite() {
  const { default: dynalite } = await import('dynalite');
  // Tables are ACTIVE at once: the stack creates its table and uses it straight away.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { port: server.address().port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const starters = { fauxqs: startFauxqs, dynalite: startDynalite };
const starter = starters[kind];
if (starter === undefined) {
  process.stderr.write(`emulator-process: expected "fauxqs" or "dynalite", got "${String(kind)}"\n`);
  process.exit(2);
}

const emulator = await starter();
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(0), 2000);
  timer.unref();
  try {
    await emulator.stop();
  } finally {
    process.exit(0);
  }
}
const onStop = () => void stop();
process.on('SIGTERM', onStop);
process.on('SIGINT', onStop);
process.stdin.on('end', onStop);
process.stdin.on('error', onStop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ port: emulator.port })}\n`);
