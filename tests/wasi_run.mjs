// tests/wasi_run.mjs - run a wasm32-wasi test program under node's WASI:
//     node tests/wasi_run.mjs tests/wasi_gemm_fast.wasm [args...]
// The program sees the current directory as "." (to read fixtures) and the
// process's arguments; its exit status becomes ours.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [path, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: {}, preopens: { '.': '.' },
                        returnOnExit: true });
// Each import is called through a plain JS function: node 20.20 handing its
// own WASI functions to the module directly crashed (SIGSEGV in V8) when a
// test that had grown its memory returned from main.
const imports = {};
for (const [name, f] of Object.entries(wasi.getImportObject().wasi_snapshot_preview1))
    imports[name] = (...a) => f(...a);
const module = await WebAssembly.compile(await readFile(path));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: imports });
process.exitCode = wasi.start(instance);
