/**
 * The start-up benchmark's baseline: the least a Node program that fetches one URL
 * with undici does (load undici from node_modules, one request, read the body).
 * Plain JavaScript, run with `node`, so nothing is compiled at run time.
 *
 * Run: `node test/bench/startup-baseline.mjs http://127.0.0.1:8080/`
 */
import { request } from 'undici';

const { statusCode, body } = await request(process.argv[2]);
await body.text();
process.exitCode = statusCode === 200 ? 0 : 1;
