// BullMQ side of run.sh: the same measurement as main.go, one JSON line.
// Usage: node bullmq.js PORT JOBS CONCURRENCY BATCH
'use strict';
const fs = require('fs');
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');

const [port, n, conc, batch] = process.argv.slice(2).map(Number);
const connection = { host: '127.0.0.1', port };
const PHASE_MS = 120000;

function statusMB(field) {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(field + ':\\s+(\\d+) kB'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function commandCalls(admin) {
  const info = await admin.info('commandstats');
  let sum = 0;
  for (const line of info.split('\n')) {
    const m = line.trim().match(/^cmdstat_([^:]+):calls=(\d+)/);
    if (!m || m[1] === 'info' || m[1].startsWith('config')) continue;
    sum += Number(m[2]);
  }
  return sum;
}

function bounded(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what + ' took over 2 min')), PHASE_MS); }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  const admin = new IORedis(connection);
  const queue = new Queue('bench', { connection });
  await queue.waitUntilReady();
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 500));
  const idleRSS = statusMB('VmRSS');
  await admin.config('RESETSTAT');

  let start = process.hrtime.bigint();
  await bounded((async () => {
    for (let left = n; left > 0; left -= batch) {
      const jobs = [];
      for (let i = 0; i < Math.min(left, batch); i++) {
        jobs.push({ name: 'crawl', data: { url: 'https://example.com/' + (left - i), method: 'http' } });
      }
      await queue.addBulk(jobs);
    }
  })(), 'enqueue');
  const enqueueSec = Number(process.hrtime.bigint() - start) / 1e9;

  start = process.hrtime.bigint();
  let done = 0;
  let worker;
  await bounded(new Promise((resolve, reject) => {
    worker = new Worker('bench', async () => ({ status: 200, method: 'http' }), { connection, concurrency: conc });
    worker.on('completed', () => { if (++done === n) resolve(); });
    worker.on('error', reject);
  }), 'processing');
  const processSec = Number(process.hrtime.bigint() - start) / 1e9;
  const calls = await commandCalls(admin);
  const peak = statusMB('VmHWM');
  await worker.close();
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify({
    name: 'bullmq', jobs: n, concurrency: conc,
    enqueue_per_s: n / enqueueSec, processed_per_s: n / processSec,
    commands_per_job: calls / n, idle_rss_mb: idleRSS, idle_rss_after_mb: statusMB('VmRSS'), peak_rss_mb: peak,
  }));
  await queue.close();
  await admin.quit();
}

main().then(() => process.exit(0), (err) => { console.error('bullmq bench:', err); process.exit(1); });
