// bench/web.mjs - make bench-web: one training epoch of the web page in
// Chromium (its Web Worker, nnet.wasm with SIMD128) against the same code
// built natively with SSE2 only (bench/web_epoch.c, -O3 -mno-avx, gcc and
// clang), measured in the same run, round after round, back to back; then
// the time to read one drawing in the page. Run from the repository root
// after make web and the native builds (the Makefile's bench-web does all).
//   node bench/web.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launch, draw } from '../web/test/test.mjs';
import { DIGITS } from '../web/test/digits.mjs';

const rounds = Number(process.argv[2] || 5);
const natives = [['gcc -mno-avx', './bench/web_epoch_sse2_gcc'], ['clang -mno-avx', './bench/web_epoch_sse2_clang']];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const native = (program) => median(execFileSync(program, ['3'], { encoding: 'utf8' })
  .trim().split('\n').map((line) => Number(line.split(' ')[1])));

const work = mkdtempSync(join(tmpdir(), 'nnet-bench-web-'));
const { server, origin } = await serve();
const browser = await launch(join(work, 'profile'));
try {
  const page = await browser.newPage();
  await page.goto(origin + '/', { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  const epoch = async () => (await page.evaluate(() => window.nnetPage.train({ epochs: 1, hidden: 128, rate: 0.003 }))).epochSeconds[0];
  await epoch();   // fetches the data; lets the engine compile the hot functions
  native(natives[0][1]); native(natives[1][1]);
  const rows = [];
  console.log(`one epoch (784-128-10, 8,000 images, batch 32, Adam, test set scored), median of 3 native runs, 1 browser run per round`);
  for (let r = 1; r <= rounds; r++) {
    const row = { round: r, browser: await epoch() };
    for (const [name, program] of natives) row[name] = native(program);
    rows.push(row);
    console.log(`round ${r}: browser ${(1000 * row.browser).toFixed(0)} ms, ` +
      natives.map(([name]) => `${name} ${(1000 * row[name]).toFixed(0)} ms (browser/native ${(row.browser / row[name]).toFixed(2)})`).join(', '));
  }
  console.log(`median: browser ${(1000 * median(rows.map((x) => x.browser))).toFixed(0)} ms, ` +
    natives.map(([name]) => `${name} ${(1000 * median(rows.map((x) => x[name]))).toFixed(0)} ms, ratio ` +
      `${median(rows.map((x) => x.browser / x[name])).toFixed(2)}`).join('; '));
  for (const d of [3, 7]) {
    await draw(page, DIGITS[d]);
    const t = await page.evaluate(() => window.nnetPage.timeReading(2000));
    console.log(`reading a drawn ${d} (mean of 2000): the network ${(1000 * t.networkMs).toFixed(1)} us, ` +
      `nnet_image_to_mnist on the ${t.width}x${t.height} pad and the network ${(1000 * t.wholeMs).toFixed(1)} us, ` +
      `the canvas's grey levels ${(1000 * t.pictureMs).toFixed(0)} us`);
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
