// The Lambda runtime inside one worker thread: loads the function's handler once (the init
// phase), then runs one invocation per `invoke` message with a Lambda-like context. Plain JS on
// purpose: the worker runs the bundled asset as Lambda would, without the parent's TS loader.
import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (port === null) throw new Error('worker-bootstrap.mjs must run in a worker thread');

const { codeDir, handler: handlerString, functionName, functionVersion, memoryMb, niceness, logGroupName, logStreamName } = workerData;

// Linux keeps a nice value per thread: /proc/thread-self names this worker's thread id, and
// setpriority on it lowers this thread alone, by `niceness` below the process's own priority.
// Elsewhere the worker keeps the process's priority.
if (niceness > 0 && process.platform === 'linux') {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(threadId, Math.min(19, getPriority(threadId) + niceness));
  } catch {
    // A priority is an optimisation: without one the function runs all the same.
  }
}

// stdout/stderr travel on the same port as results, so every line written during an
// invocation reaches the parent before that invocation's result.
for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    port.postMessage({ type: 'log', stream: name, text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  };
}

function formatError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  // Lambda's Node runtime reports thrown non-errors by their JS type.
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function runtimeError(errorType, errorMessage) {
  const error = new Error(errorMessage);
  error.name = errorType;
  return error;
}

/** `dir/file.export.path` → module `dir/file`, export path `export.path` (as the Node runtime splits it). */
async function loadHandler() {
  const slash = handlerString.lastIndexOf('/');
  const moduleDir = slash >= 0 ? handlerString.slice(0, slash + 1) : '';
  const rest = slash >= 0 ? handlerString.slice(slash + 1) : handlerString;
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) throw runtimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerString}`);
  const moduleName = moduleDir + rest.slice(0, dot);
  const exportPath = rest.slice(dot + 1).split('.');
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(codeDir, moduleName + ext)).find((candidate) => existsSync(candidate));
  if (file === undefined) throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  const mod = await import(pathToFileURL(file).href);
  const resolvePath = (root) => exportPath.reduce((value, key) => (value == null ? undefined : value[key]), root);
  const fn = resolvePath(mod) ?? resolvePath(mod.default);
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${moduleName}.${exportPath.join('.')} is undefined or not exported`);
  return fn;
}

function callHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error !== undefined && error !== null ? reject(error) : resolve(result));
    context.done = callback;
    context.succeed = (result) => resolve(result);
    context.fail = (error) => reject(error);
    try {
      const returned = fn(event, context, callback);
      // Async handlers answer with their promise; callback handlers (3 parameters) call back.
      if (returned !== undefined && typeof returned?.then === 'function') returned.then(resolve, reject);
      else if (fn.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

let handler;
try {
  handler = await loadHandler();
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'initError', error: formatError(error) });
}

port.on('message', async (message) => {
  if (message?.type !== 'invoke' || handler === undefined) return;
  const { id, event, requestId, deadlineMs, invokedFunctionArn } = message;
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion,
    invokedFunctionArn,
    memoryLimitInMB: String(memoryMb),
    logGroupName,
    logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  try {
    const result = await callHandler(handler, event, context);
    let payload;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      port.postMessage({ type: 'result', id, ok: false, error: formatError(runtimeError('Runtime.SerializationError', error instanceof Error ? error.message : String(error))) });
      return;
    }
    port.postMessage({ type: 'result', id, ok: true, payload });
  } catch (error) {
    port.postMessage({ type: 'result', id, ok: false, error: formatError(error) });
  }
});
