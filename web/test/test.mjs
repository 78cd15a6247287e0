// web/test/test.mjs - make test-web: the page of build/web in Debian's
// chromium (headless), driven by puppeteer-core: it serves build/web on
// 127.0.0.1, draws the ten digits with pointer strokes (9 of 10 must be
// read right), uploads photos, downloads the model and checks that
// examples/predict reads it, loads a corrupt model (nnet.h's message must be
// shown), trains one epoch in the browser (>= 90% on the test digits), and
// fails on any console error or request to another origin. The screenshot
// goes to build/web-test/page.png. Then the main checks again in Firefox
// ESR. Run from the repository root.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { DIGITS } from './digits.mjs';

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log(`ok   ${what}`); } else { failed++; console.log(`FAIL ${what}`); }
}

// A static server for build/web on a free port of 127.0.0.1 (make serve's).
export function serve() {
  return new Promise((resolve, reject) => {
    const server = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', 'build/web', '0'],
                         { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', (chunk) => {
      const m = /port (\d+)/.exec(String(chunk));
      if (m) resolve({ server, origin: `http://127.0.0.1:${m[1]}` });
    });
    server.stderr.on('data', () => {});   // one line per request
    server.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
}

export function launch(userDataDir) {
  return puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', `--user-data-dir=${userDataDir}`],
    defaultViewport: { width: 1060, height: 1040 },
  });
}

// Debian's Firefox ESR, through WebDriver BiDi.
export function launchFirefox(userDataDir) {
  return puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir,
                            defaultViewport: { width: 1060, height: 1040 } });
}

// Draw a digit's strokes on the pad with the mouse (pointer events).
export async function draw(page, strokes) {
  const box = await (await page.$('#pad')).boundingBox();
  await page.click('#clear');
  for (const stroke of strokes) {
    const at = ([x, y]) => [box.x + 40 + x * (box.width - 80), box.y + 20 + y * (box.height - 40)];
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 3 });
    await page.mouse.up();
  }
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate(() => ({
    digit: document.getElementById('digit').textContent,
    p: [...document.getElementById('probs').children].map((c) => Number(c.dataset.p)),
  }));
}

// Firefox: the page starts, reads the drawn digits, shows nnet.h's message
// for a corrupt model, trains an epoch in its worker, with no page error.
async function firefox(origin, work) {
  let browser;
  try {
    browser = await launchFirefox(join(work, 'firefox'));
  } catch (error) {
    check(false, `Firefox starts (/usr/bin/firefox-esr): ${error.message}`);
    return;
  }
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(origin + '/', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
    let right = 0;
    for (let d = 0; d < 10; d++) right += Number((await draw(page, DIGITS[d])).digit) === d;
    check(right >= 9, `Firefox: the shipped model reads ${right} of the 10 drawn digits (>= 9)`);
    await (await page.$('#model-file')).uploadFile(join(work, 'corrupt.nnet'));
    await page.waitForFunction(() => document.getElementById('message').textContent !== '');
    check((await page.$eval('#message', (e) => e.textContent)).includes('CRC'), "Firefox: a corrupt model shows nnet.h's message");
    const r = await page.evaluate(() => window.nnetPage.train({ epochs: 1, hidden: 128, rate: 0.003 }));
    console.log(`  Firefox: one epoch in ${(1000 * r.epochSeconds[0]).toFixed(0)} ms, ${(100 * r.accuracy).toFixed(2)}% of the test digits`);
    check(r.accuracy >= 0.9, `Firefox: one epoch in the browser reads ${(100 * r.accuracy).toFixed(2)}% of the test digits (>= 90%)`);
  } finally {
    await browser.close();
  }
  for (const p of problems) console.log(`  ${p}`);
  check(problems.length === 0, 'Firefox: no console error or page error');
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'nnet-web-test-'));
  mkdirSync('build/web-test', { recursive: true });
  const { server, origin } = await serve();
  const browser = await launch(join(work, 'profile'));
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(origin + '/') && !url.startsWith('blob:') && !url.startsWith('data:')) problems.push(`request to another origin: ${url}`);
    });
    page.on('workercreated', (w) => w.on?.('console', (m) => { if (m.type() === 'error') problems.push(`worker console error: ${m.text()}`); }));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: work, eventsEnabled: true });
    await page.goto(origin + '/', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
    check(true, 'the page starts: nnet.wasm and mnist.nnet loaded');

    // The ten digits, drawn.
    let right = 0, shapeOk = true;
    const seen = [];
    for (let d = 0; d < 10; d++) {
      const r = await draw(page, DIGITS[d]);
      const sum = r.p.reduce((a, b) => a + b, 0);
      shapeOk &&= r.p.length === 10 && Math.abs(sum - 1) < 0.01 && r.p.indexOf(Math.max(...r.p)) === Number(r.digit);
      right += Number(r.digit) === d;
      seen.push(`${d}->${r.digit} (p=${Math.max(...r.p).toFixed(2)})`);
    }
    console.log(`  drawn digits, shipped model: ${seen.join(', ')}`);
    check(shapeOk, '#probs has ten bars whose data-p add up to 1, the largest the #digit shown');
    check(right >= 9, `the shipped model reads ${right} of the 10 drawn digits (>= 9)`);

    // The prediction updates while drawing: after half of an 8's stroke.
    {
      const box = await (await page.$('#pad')).boundingBox();
      await page.click('#clear');
      await page.mouse.move(box.x + 140, box.y + 40); await page.mouse.down();
      await page.mouse.move(box.x + 140, box.y + 240, { steps: 8 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const during = await page.$eval('#digit', (e) => e.textContent);
      await page.mouse.up();
      check(during === '1', `the digit is read while the pen is down (a vertical line: ${during})`);
    }
    const timing = await page.evaluate(() => window.nnetPage.timeReading(200));
    console.log(`  reading the pad: ${(1000 * timing.pictureMs).toFixed(0)} us for its ${timing.width}x${timing.height} grey levels, ` +
                `${(1000 * timing.wholeMs).toFixed(0)} us for nnet_image_to_mnist and the network, ${(1000 * timing.networkMs).toFixed(1)} us the network alone`);

    // Photos, decoded by the browser and read by nnet_image_to_mnist.
    for (const file of ['data/digits/4_photo.jpg', 'data/digits/0_colour.png', 'data/digits/3_transparent.png',
                        'data/digits/hard/3_ruled_159.jpg', 'data/digits/hard/5_desk_shadow_454.jpg']) {
      await (await page.$('#photo')).uploadFile(file);
      await page.waitForFunction(() => /^Read the photo|^No digit/.test(document.getElementById('message').textContent));
      const digit = await page.$eval('#digit', (e) => e.textContent);
      check(digit === file.split('/').pop()[0], `the photo ${file} reads as ${digit}`);
      await page.evaluate(() => { document.getElementById('message').textContent = ''; });
    }

    // Download the model: examples/predict reads the file.
    await page.click('#download');
    let downloaded = null;
    for (let t = 0; t < 50 && !downloaded; t++) {
      downloaded = readdirSync(work).find((f) => f.endsWith('.nnet'));
      if (!downloaded) await new Promise((r) => setTimeout(r, 100));
    }
    check(downloaded === 'mnist-784-128-10.nnet', `the model downloads as ${downloaded}`);
    if (downloaded) {
      const out = execFileSync('./examples/predict', [join(work, downloaded), 'data/digits/7_inverted.png'], { encoding: 'utf8' });
      check(/7_inverted.png: 7 /.test(out), `examples/predict reads the downloaded model: ${out.trim()}`);
      const python = execFileSync('python3', ['-c', [
        'import json, struct, sys',
        'data = open(sys.argv[1], "rb").read()',
        'n = struct.unpack("<Q", data[:8])[0]',
        'header = json.loads(data[8:8 + n])',
        'w = header["layers.0.weight"]',
        'print(header["__metadata__"]["format"], w["dtype"], w["shape"], len(data) - 8 - n)',
      ].join('\n'), join(work, downloaded)], { encoding: 'utf8' }).trim();
      check(python === 'nnet F32 [128, 784] 407080', `Python reads the downloaded model's safetensors header: ${python}`);
      const same = Buffer.compare(readFileSync(join(work, downloaded)), readFileSync('build/web/mnist.nnet')) === 0;
      check(same, 'the downloaded model is byte for byte the mnist.nnet that make web wrote');
    }

    // A corrupt model file: nnet.h's message, and the page goes on.
    const good = readFileSync('build/web/mnist.nnet');
    const bad = Buffer.from(good);
    bad[bad.length - 5] ^= 0x40;   // one bit of one weight: the CRC-32 no longer matches
    writeFileSync(join(work, 'corrupt.nnet'), bad);
    writeFileSync(join(work, 'short.nnet'), good.subarray(0, 100));
    for (const [file, needle] of [['corrupt.nnet', 'CRC'], ['short.nnet', 'nnet_load_from_memory']]) {
      await (await page.$('#model-file')).uploadFile(join(work, file));
      await page.waitForFunction(() => document.getElementById('message').textContent !== '');
      const m = await page.$eval('#message', (e) => ({ text: e.textContent, error: e.className === 'error' }));
      console.log(`  ${file}: ${m.text}`);
      check(m.error && m.text.startsWith(`Could not load ${file}: `) && m.text.includes(needle),
            `a corrupt model (${file}) shows nnet.h's message (mentions "${needle}")`);
      await page.evaluate(() => { document.getElementById('message').textContent = ''; });
    }
    check((await draw(page, DIGITS[7])).digit === '7', 'after the failed loads the page still reads a 7 with its network');
    if (downloaded) {
      await (await page.$('#model-file')).uploadFile(join(work, downloaded));
      await page.waitForFunction(() => document.getElementById('message').textContent !== '');
      check((await page.$eval('#message', (e) => e.textContent)) === `Loaded ${downloaded}.`, 'the downloaded model loads back');
    }

    // One epoch of training in the worker; the page stays responsive.
    await page.$eval('#epochs', (e) => { e.value = '1'; });
    const started = Date.now();
    await page.click('#train');
    const during = await draw(page, DIGITS[1]);
    const stillTraining = await page.$eval('#train', (e) => e.disabled);
    console.log(`  drawn during training: ${during.digit} (training still running: ${stillTraining})`);
    check(during.digit === '1', 'the pad reads a 1 while the worker trains');
    await page.waitForFunction(() => /^(Done|Training failed)/.test(document.getElementById('status').textContent), { timeout: 120000 });
    const status = await page.$eval('#status', (e) => e.textContent);
    console.log(`  ${status} (${((Date.now() - started) / 1000).toFixed(1)} s with the data's download)`);
    const accuracy = Number((/^Done: ([\d.]+)%/.exec(status) || [])[1]) / 100;
    check(accuracy >= 0.9, `one epoch in the browser: ${(100 * accuracy).toFixed(2)}% of the test digits (>= 90%)`);
    const model = await page.$eval('#model', (e) => e.textContent);
    check(/trained in this browser/.test(model), `the pad uses the new network: ${model}`);
    let after = 0;
    for (let d = 0; d < 10; d++) after += Number((await draw(page, DIGITS[d])).digit) === d;
    console.log(`  drawn digits, the network of one epoch in the browser: ${after} of 10`);
    // The page's default training (10 epochs) for the screenshot.
    await page.$eval('#epochs', (e) => { e.value = '10'; });
    await page.click('#train');
    await page.waitForFunction(() => /^(Done|Training failed)/.test(document.getElementById('status').textContent), { timeout: 120000 });
    console.log(`  ${await page.$eval('#status', (e) => e.textContent)}`);
    await draw(page, DIGITS[3]);
    await page.screenshot({ path: 'build/web-test/page.png', fullPage: true });
    console.log('  screenshot: build/web-test/page.png');
    await browser.close();
    for (const p of problems) console.log(`  ${p}`);
    check(problems.length === 0, 'no console error, page error, failed request or request to another origin');
    await firefox(origin, work);
  } finally {
    await browser.close().catch(() => {});
    server.kill();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`test-web: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e) => { console.log(`test-web: ${e.stack}`); console.log(`test-web: ${passed} passed, ${failed + 1} failed`); process.exit(1); });
