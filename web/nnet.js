// web/nnet.js - the page (index.html) and its training worker, one file, no
// framework: the page draws, reads and loads models with nnet.wasm; the same
// file run as a Web Worker (new Worker('nnet.js')) trains a network there.
'use strict';

// ---- nnet.wasm --------------------------------------------------------------
// nnet.wasm is plain C built for wasm32-wasi (web/nnet_wasm.c): it needs only
// a clock and somewhere to print; any other WASI function answers "not
// supported" (ENOSYS). `progress` is the training callback.
function instantiate(module, progress) {
  let memory = null;
  const decoder = new TextDecoder();
  const lines = ['', ''];
  const wasi = {
    clock_time_get(id, precision, out) {
      const ms = id === 0 ? Date.now() : performance.now();
      new DataView(memory.buffer).setBigUint64(out, BigInt(Math.round(ms * 1e6)), true);
      return 0;
    },
    fd_write(fd, iovs, count, written) {   // stdout and stderr to the console, a line at a time
      const view = new DataView(memory.buffer);
      let total = 0;
      for (let i = 0; i < count; i++) {
        const base = view.getUint32(iovs + 8 * i, true), length = view.getUint32(iovs + 8 * i + 4, true);
        lines[fd === 1 ? 0 : 1] += decoder.decode(new Uint8Array(memory.buffer, base, length));
        total += length;
      }
      for (let k = 0; k < 2; k++) {
        const end = lines[k].lastIndexOf('\n');
        if (end >= 0) { (k ? console.error : console.log)(lines[k].slice(0, end)); lines[k] = lines[k].slice(end + 1); }
      }
      view.setUint32(written, total, true);
      return 0;
    },
    proc_exit(code) { throw new Error('nnet.wasm exited with status ' + code); },
  };
  const imports = { wasi_snapshot_preview1: {}, nnet: { progress: progress || (() => 0) } };
  for (const i of WebAssembly.Module.imports(module))
    if (i.module === 'wasi_snapshot_preview1') imports[i.module][i.name] = wasi[i.name] || (() => 52);
  const instance = new WebAssembly.Instance(module, imports);
  memory = instance.exports.memory;
  instance.exports._initialize();
  return new Nnet(instance.exports);
}

// The exports of web/nnet_wasm.c, with JS values in and out.
class Nnet {
  constructor(x) { this.x = x; }
  bytes() { return new Uint8Array(this.x.memory.buffer); }
  floats(ptr, n) { return new Float32Array(this.x.memory.buffer, ptr, n); }
  error() {
    const heap = this.bytes(), at = this.x.web_error();
    return new TextDecoder().decode(heap.subarray(at, heap.indexOf(0, at)));
  }
  check(status) { if (status !== 0) throw new Error(this.error()); }
  copyIn(array) {   // into a new buffer the caller frees with web_free
    const bytes = new Uint8Array(array.buffer || array, array.byteOffset || 0, array.byteLength);
    const ptr = this.x.web_alloc(bytes.length);
    if (!ptr) throw new Error('out of WebAssembly memory');
    this.bytes().set(bytes, ptr);
    return ptr;
  }
  load(fileBytes) {   // a network from a model file, or an Error with nnet.h's message
    const ptr = this.copyIn(fileBytes), net = this.x.web_net_load(ptr, fileBytes.byteLength);
    this.x.web_free(ptr);
    if (!net) throw new Error(this.error());
    if (this.x.web_net_inputs(net) !== 784 || this.x.web_net_outputs(net) > 10) {
      const shape = this.shape(net);
      this.x.web_net_free(net);
      throw new Error(`the network is ${shape}; this page needs 784 inputs (28 x 28) and at most 10 classes`);
    }
    return net;
  }
  save(net) {   // the model file, as nnet_save writes it
    const sizePtr = this.x.web_alloc(4), ptr = this.x.web_net_save(net, sizePtr);
    const size = new DataView(this.x.memory.buffer).getUint32(sizePtr, true);
    this.x.web_free(sizePtr);
    if (!ptr) throw new Error(this.error());
    const file = this.bytes().slice(ptr, ptr + size);
    this.x.web_free(ptr);
    return file;
  }
  shape(net) {
    const sizes = [this.x.web_net_inputs(net)];
    for (let l = 0; l < this.x.web_net_layers(net); l++) sizes.push(this.x.web_net_layer_size(net, l));
    return sizes.join('-');
  }
}

// ---- The worker: training -----------------------------------------------------
async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: ${response.status} ${response.statusText}`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function worker() {
  let nn = null, train = 0, test = 0, last = 0;
  const post = (message) => self.postMessage(message);
  function progress(epoch, epochs, batch, batches, loss, accuracy, seconds, end, testLoss, testAccuracy) {
    const now = performance.now();
    if (end || now - last > 40) {   // a message every 40 ms at most, and one per epoch
      last = now;
      post({ type: 'progress', epoch, epochs, batch, batches, loss, accuracy, seconds, end, testLoss, testAccuracy });
    }
    return 0;
  }
  async function dataset(prefix) {
    const [images, labels] = await Promise.all([gunzip(`data/${prefix}-images-idx3-ubyte.gz`),
                                                gunzip(`data/${prefix}-labels-idx1-ubyte.gz`)]);
    const i = nn.copyIn(images), l = nn.copyIn(labels);
    const data = nn.x.web_dataset_load(i, images.length, l, labels.length);
    nn.x.web_free(i); nn.x.web_free(l);
    if (!data) throw new Error(nn.error());
    return data;
  }
  self.onmessage = async (event) => {
    const m = event.data;
    try {
      if (!nn) nn = instantiate(m.module, progress);
      if (!train) {
        post({ type: 'status', text: 'Loading the MNIST sample...' });
        [train, test] = await Promise.all([dataset('train'), dataset('t10k')]);
      }
      const net = nn.x.web_net_create(m.hidden, m.seed);
      if (!net) throw new Error(nn.error());
      post({ type: 'status', text: `Training ${nn.shape(net)} on ${nn.x.web_dataset_size(train)} digits...` });
      const started = performance.now();
      nn.check(nn.x.web_train(net, train, test, m.epochs, m.rate, 32, 1, m.seed));
      const seconds = (performance.now() - started) / 1000;
      const results = nn.x.web_alloc(16);
      nn.check(nn.x.web_evaluate(net, test, results));
      const [, accuracy] = new Float64Array(nn.x.memory.buffer, results, 2);
      nn.x.web_free(results);
      const model = nn.save(net);
      nn.x.web_net_free(net);
      post({ type: 'done', model, seconds, accuracy }, [model.buffer]);
    } catch (error) {
      post({ type: 'error', text: String(error.message || error) });
    }
  };
}

// ---- The page ------------------------------------------------------------------
function page() {
  const $ = (id) => document.getElementById(id);
  const pad = $('pad'), ctx = pad.getContext('2d', { willReadFrequently: true });
  const preview = $('preview').getContext('2d'), curve = $('curve').getContext('2d');
  let nn = null, module = null, net = 0, source = '', pixels = 0, probs = 0, grey = 0, greySize = 0;
  let drawing = false, dirty = false, inked = false, photo = null, trainer = null, seed = 1;
  const history = { loss: [], accuracy: [], epochSeconds: [] };

  for (let c = 0; c < 10; c++) $('probs').insertAdjacentHTML('beforeend', `<div data-p="0"><i style="height:0%"></i><b>${c}</b></div>`);

  function message(text, isError) {
    $('message').textContent = text;
    $('message').className = isError ? 'error' : '';
  }
  function clearPad() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    inked = false; photo = null;
    show(null);
  }
  function useNetwork(newNet, description) {
    if (net) nn.x.web_net_free(net);
    net = newNet; source = description;
    $('model').textContent = `Network ${nn.shape(net)}: ${source}.`;
    read();
  }

  // Reading: the picture's grey levels, as stb_image makes them (77 R + 150 G
  // + 29 B) / 256, transparency over white, then nnet_image_to_mnist and the
  // network, all in nnet.wasm.
  function greyOf(image) {
    const n = image.width * image.height, rgba = image.data;
    if (n > greySize) {
      if (grey) nn.x.web_free(grey);
      grey = nn.x.web_alloc(n); greySize = n;
    }
    const out = nn.bytes().subarray(grey, grey + n);
    for (let i = 0, p = 0; i < n; i++, p += 4) {
      const g = (rgba[p] * 77 + rgba[p + 1] * 150 + rgba[p + 2] * 29) >> 8, a = rgba[p + 3];
      out[i] = a === 255 ? g : Math.floor((g * a + 255 * (255 - a) + 127) / 255);
    }
  }
  function show(p) {
    const bars = $('probs').children;
    if (!p) {
      $('digit').textContent = '?';
      preview.fillStyle = '#000'; preview.fillRect(0, 0, 28, 28);
      for (const bar of bars) { bar.dataset.p = '0'; bar.className = ''; bar.firstChild.style.height = '0%'; }
      return;
    }
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    $('digit').textContent = String(best);
    for (let c = 0; c < 10; c++) {
      const v = c < p.length ? p[c] : 0;
      bars[c].dataset.p = v.toFixed(4);
      bars[c].className = c === best ? 'top' : '';
      bars[c].firstChild.style.height = (100 * v).toFixed(1) + '%';
    }
    const image = preview.createImageData(28, 28), x = nn.floats(pixels, 784);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * x[i]);
      image.data.set([v, v, v, 255], 4 * i);
    }
    preview.putImageData(image, 0, 0);
  }
  function read() {
    dirty = false;
    if (!net || (!inked && !photo)) return show(null);
    const image = photo || padImage();
    greyOf(image);
    const started = performance.now();
    const status = nn.x.web_read_digit(net, grey, image.width, image.height, pixels, probs);
    const ms = performance.now() - started;
    if (status !== 0) { show(null); $('timing').textContent = ''; return; }
    show(Array.from(nn.floats(probs, nn.x.web_net_outputs(net))));
    $('timing').textContent = `read in ${ms < 1 ? '< 1' : ms.toFixed(1)} ms`;
  }
  // The pad as the network reads it: scaled down to 56 x 56, twice MNIST's
  // side, which keeps every stroke's shape (the digit is then cut out and
  // scaled to 20 pixels) and makes reading 25 times cheaper.
  const small = new OffscreenCanvas(56, 56), smallCtx = small.getContext('2d', { willReadFrequently: true });
  function padImage() {
    smallCtx.drawImage(pad, 0, 0, small.width, small.height);
    return smallCtx.getImageData(0, 0, small.width, small.height);
  }
  function schedule() { if (!dirty) { dirty = true; requestAnimationFrame(read); } }

  // Drawing with mouse, pen or touch: round strokes about as thick, relative
  // to the pad, as MNIST's pen strokes are to their 28 x 28 field.
  function point(e) {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener('pointerdown', (e) => {
    if (photo) clearPad();
    drawing = true; inked = true;
    pad.setPointerCapture(e.pointerId);
    const [x, y] = point(e);
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.01, y); ctx.stroke();
    schedule();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    for (const c of e.getCoalescedEvents ? e.getCoalescedEvents() : [e]) { const [x, y] = point(c); ctx.lineTo(x, y); }
    ctx.stroke();
    schedule();
  });
  const end = () => { drawing = false; };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', clearPad);

  // A photo: decoded by the browser (with its orientation), read at full size.
  async function readPhoto(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height), c = canvas.getContext('2d');
      c.drawImage(bitmap, 0, 0);
      photo = c.getImageData(0, 0, bitmap.width, bitmap.height);
      const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, pad.width, pad.height);
      ctx.drawImage(bitmap, (pad.width - bitmap.width * scale) / 2, (pad.height - bitmap.height * scale) / 2,
                    bitmap.width * scale, bitmap.height * scale);
      inked = false;
      message(`Read the photo ${file.name} (${bitmap.width} x ${bitmap.height}).`);
      read();
      if ($('digit').textContent === '?') message(`No digit found in ${file.name}: ${nn.error()}`, true);
    } catch (error) {
      message(`Could not read ${file.name} as an image: ${error.message || error}`, true);
    }
  }
  $('photo').addEventListener('change', (e) => { if (e.target.files[0]) readPhoto(e.target.files[0]); e.target.value = ''; });

  // Model files: download the current network; load one from a file.
  $('download').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([nn.save(net)], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url; a.download = `mnist-${nn.shape(net)}.nnet`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  async function loadModel(file) {
    try {
      useNetwork(nn.load(new Uint8Array(await file.arrayBuffer())), `loaded from ${file.name}`);
      message(`Loaded ${file.name}.`);
    } catch (error) {
      message(`Could not load ${file.name}: ${error.message || error}`, true);
    }
  }
  $('model-file').addEventListener('change', (e) => { if (e.target.files[0]) loadModel(e.target.files[0]); e.target.value = ''; });
  document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) document.body.classList.remove('dragging'); });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer.files[0];
    if (file) (file.type.startsWith('image/') ? readPhoto : loadModel)(file);
  });

  // Training in the worker, with a live curve: the running loss of each
  // epoch (falling line) and the test accuracy after each epoch (dots).
  function drawCurve(epochs) {
    const w = curve.canvas.width, h = curve.canvas.height, left = 40, right = w - 44, top = 12, bottom = h - 22;
    const lossY = (v) => bottom - (bottom - top) * (Math.log10(Math.min(3, Math.max(0.01, v))) + 2) / Math.log10(300);
    const accuracyY = (v) => bottom - (bottom - top) * Math.max(0, Math.min(1, (v - 0.8) / 0.2));
    const x = (t) => left + (right - left) * t / epochs;
    curve.clearRect(0, 0, w, h);
    curve.font = '11px system-ui, sans-serif'; curve.lineWidth = 1; curve.strokeStyle = '#dde1ea'; curve.fillStyle = '#687087';
    for (const v of [0.01, 0.03, 0.1, 0.3, 1, 3]) {   // the loss on a log scale, left
      curve.beginPath(); curve.moveTo(left, lossY(v)); curve.lineTo(right, lossY(v)); curve.stroke();
      curve.textAlign = 'right'; curve.fillText(String(v), left - 6, lossY(v) + 4);
    }
    curve.textAlign = 'left';
    for (let k = 0; k <= 4; k++) curve.fillText(`${80 + 5 * k}%`, right + 6, accuracyY(0.8 + 0.05 * k) + 4);
    curve.textAlign = 'center';
    const every = Math.ceil(epochs / 20);
    for (let e = 0; e <= epochs; e += every) curve.fillText(String(e), x(e), h - 6);
    curve.strokeStyle = '#2f6fde'; curve.lineWidth = 2; curve.beginPath();
    history.loss.forEach(([t, v], i) => (i ? curve.lineTo(x(t), lossY(v)) : curve.moveTo(x(t), lossY(v))));
    curve.stroke();
    curve.fillStyle = '#e07b24'; curve.strokeStyle = '#e07b24'; curve.beginPath();
    history.accuracy.forEach(([t, v], i) => (i ? curve.lineTo(x(t), accuracyY(v)) : curve.moveTo(x(t), accuracyY(v))));
    curve.stroke();
    for (const [t, v] of history.accuracy) { curve.beginPath(); curve.arc(x(t), accuracyY(v), 3.5, 0, 2 * Math.PI); curve.fill(); }
    curve.textAlign = 'left'; curve.fillStyle = '#2f6fde'; curve.fillText('training loss (left, log scale)', left + 8, bottom - 8);
    curve.fillStyle = '#e07b24'; curve.fillText('test accuracy (right)', left + 190, bottom - 8);
  }
  let onTrained = null;
  let settings = null;   // of the run under way
  function startTraining(run) {
    settings = run;
    if (!trainer) {
      trainer = new Worker('nnet.js');
      trainer.onmessage = (event) => {
        const m = event.data;
        if (m.type === 'status') $('status').textContent = m.text;
        else if (m.type === 'progress') {
          const at = m.epoch - 1 + m.batch / m.batches;
          $('progress').value = at / settings.epochs;
          history.loss.push([at, m.loss]);
          if (m.end) {
            history.accuracy.push([at, m.testAccuracy]);
            history.epochSeconds.push(m.seconds);
            $('status').textContent = `Epoch ${m.epoch} of ${settings.epochs}: training loss ${m.loss.toFixed(4)}, ` +
              `test accuracy ${(100 * m.testAccuracy).toFixed(2)}% (${m.seconds.toFixed(2)} s)`;
          }
          drawCurve(settings.epochs);
        } else if (m.type === 'done') {
          finishTraining();
          useNetwork(nn.load(m.model), `trained in this browser, ${settings.epochs} epoch${settings.epochs > 1 ? 's' : ''} in ` +
            `${m.seconds.toFixed(1)} s, ${(100 * m.accuracy).toFixed(2)}% on the 2,000 test digits`);
          $('status').textContent = `Done: ${(100 * m.accuracy).toFixed(2)}% of the 2,000 test digits right after ` +
            `${settings.epochs} epoch${settings.epochs > 1 ? 's' : ''} (${m.seconds.toFixed(1)} s). The pad now uses this network.`;
          if (onTrained) onTrained({ accuracy: m.accuracy, seconds: m.seconds, epochSeconds: history.epochSeconds });
        } else if (m.type === 'error') {
          finishTraining();
          $('status').textContent = 'Training failed: ' + m.text;
          message('Training failed: ' + m.text, true);
          if (onTrained) onTrained({ error: m.text });
        }
      };
    }
    history.loss = []; history.accuracy = []; history.epochSeconds = [];
    $('progress').value = 0;
    drawCurve(settings.epochs);
    $('train').disabled = true; $('stop').hidden = false;
    trainer.postMessage({ module, seed: seed++, ...settings });
  }
  function finishTraining() { $('train').disabled = false; $('stop').hidden = true; }
  function settingsFromPage() {
    const epochs = Math.round(+$('epochs').value), hidden = Math.round(+$('hidden').value), rate = +$('rate').value;
    if (!(epochs >= 1 && epochs <= 100)) throw new Error('epochs: expected 1 to 100');
    if (!(hidden >= 1 && hidden <= 4096)) throw new Error('hidden units: expected 1 to 4096');
    if (!(rate > 0 && rate <= 1)) throw new Error('learning rate: expected a number in (0, 1]');
    return { epochs, hidden, rate };
  }
  $('train').addEventListener('click', () => {
    try { message(''); startTraining(settingsFromPage()); } catch (error) { message(error.message, true); }
  });
  $('stop').addEventListener('click', () => {
    trainer.terminate(); trainer = null;
    finishTraining();
    $('status').textContent = 'Stopped; the pad keeps the network it had.';
  });

  // For scripts (make test-web, bench/web.mjs): train with given settings
  // and wait; time n readings of the pad, whole and the network alone.
  window.nnetPage = {
    train: (settings) => new Promise((resolve) => { onTrained = resolve; startTraining(settings); }),
    timeReading(n) {
      let started = performance.now();
      for (let i = 0; i < n; i++) greyOf(padImage());
      const picture = (performance.now() - started) / n, image = padImage();
      greyOf(image);
      started = performance.now();
      for (let i = 0; i < n; i++) nn.x.web_read_digit(net, grey, image.width, image.height, pixels, probs);
      const whole = (performance.now() - started) / n;
      started = performance.now();
      for (let i = 0; i < n; i++) nn.x.web_predict(net, pixels, probs);
      return { pictureMs: picture, wholeMs: whole, networkMs: (performance.now() - started) / n, width: image.width, height: image.height };
    },
  };

  (async () => {
    try {
      module = await WebAssembly.compileStreaming(fetch('nnet.wasm'));
      nn = instantiate(module);
      pixels = nn.x.web_alloc(784 * 4); probs = nn.x.web_alloc(10 * 4);
      ctx.lineCap = ctx.lineJoin = 'round'; ctx.lineWidth = 20; ctx.strokeStyle = '#111';
      clearPad();
      const response = await fetch('mnist.nnet');
      if (!response.ok) throw new Error(`could not fetch mnist.nnet: ${response.status}`);
      useNetwork(nn.load(new Uint8Array(await response.arrayBuffer())), 'trained by make web (examples/mnist, the settings below), shipped as mnist.nnet');
      drawCurve(+$('epochs').value || 10);
      document.body.dataset.ready = '1';
    } catch (error) {
      message('The page could not start: ' + (error.message || error), true);
    }
  })();
}

if (typeof document === 'undefined') worker(); else page();
