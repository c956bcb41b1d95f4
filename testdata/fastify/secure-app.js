'use strict';

// Fastify 5 app using the real @fastify/secure-session, for compatibility
// tests.
//
// Environment:
//   SESSION_KEY     comma-separated base64 keys, each decoding to 32 bytes,
//                   passed as the `key` option: a string when there is one,
//                   an array when there are several (the first encrypts, all
//                   decrypt).
//   SESSION_SECRET  used (as `secret`) only when SESSION_KEY is unset; the key
//                   is then derived with Argon2id, which takes a moment.
//   SESSION_SALT    optional `salt` for SESSION_SECRET (16 ASCII characters).
//   SESSION_EXPIRY  optional `expiry` option in seconds (plugin default 86401).
//
// The cookie is the plugin's default `session`, with options
// { path: '/', httpOnly: true, sameSite: 'lax' }.
//
// Routes:
//   GET  /                  increments "visits"; replies {"visits": N}
//   GET  /peek              replies {"visits": ..., "ts": ...}; no change
//   POST /logout            deletes the session; replies 204
//   GET  /decode?value=RAW  fastify.decodeSecureSession(RAW): replies
//                           {"ok": true, "data": {...}, "ts": N} or
//                           {"ok": false}. RAW is the raw cookie value, so
//                           it must be percent-encoded in the query string
//                           ('+' would otherwise decode to a space).
//   POST /encode            JSON object body; replies (text/plain) the raw
//                           value of fastify.encodeSecureSession(
//                           fastify.createSecureSession(body)). A "__ts" in
//                           the body is kept as the session timestamp.
//
// Prints exactly one line "listening PORT" to stdout once listening on
// 127.0.0.1. Exits when stdin closes, and on SIGTERM/SIGINT.

const Fastify = require('fastify');
const secureSession = require('@fastify/secure-session');

function fail(msg) {
  process.stderr.write('secure-app: ' + msg + '\n');
  process.exit(1);
}

function env(name) {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

const options = {
  cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
};

if (env('SESSION_KEY') !== undefined) {
  const keys = env('SESSION_KEY').split(',').map((k) => k.trim());
  for (const k of keys) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(k) || Buffer.from(k, 'base64').length !== 32) {
      fail('SESSION_KEY entries must be base64 strings decoding to 32 bytes; got ' +
        JSON.stringify(k));
    }
  }
  options.key = keys.length === 1 ? keys[0] : keys;
} else if (env('SESSION_SECRET') !== undefined) {
  options.secret = env('SESSION_SECRET');
  if (env('SESSION_SALT') !== undefined) options.salt = env('SESSION_SALT');
} else {
  fail('set SESSION_KEY or SESSION_SECRET');
}

if (env('SESSION_EXPIRY') !== undefined) {
  const expiry = Number(env('SESSION_EXPIRY'));
  if (!Number.isFinite(expiry) || expiry <= 0) {
    fail('SESSION_EXPIRY must be a positive number of seconds');
  }
  options.expiry = expiry;
}

const app = Fastify({ logger: false });

app.register(secureSession, options);

app.get('/', async (request) => {
  const v = request.session.get('visits');
  request.session.set('visits', (v || 0) + 1);
  return { visits: request.session.get('visits') };
});

app.get('/peek', async (request) => {
  return {
    visits: request.session.get('visits') ?? null,
    ts: request.session.get('__ts') ?? null,
  };
});

app.post('/logout', async (request, reply) => {
  request.session.delete();
  reply.code(204).send();
  return reply;
});

app.get('/decode', async (request, reply) => {
  const raw = request.query.value;
  if (typeof raw !== 'string') {
    reply.code(400).type('text/plain');
    return 'missing value';
  }
  const session = app.decodeSecureSession(raw);
  if (session === null) return { ok: false };
  return { ok: true, data: session.data(), ts: session.get('__ts') };
});

app.post('/encode', async (request, reply) => {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    reply.code(400).type('text/plain');
    return 'body must be a JSON object';
  }
  const session = app.createSecureSession(body);
  reply.type('text/plain');
  return app.encodeSecureSession(session);
});

app.setErrorHandler((err, request, reply) => {
  const status = err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status >= 500) {
    process.stderr.write('secure-app: ' + (err && err.stack || err) + '\n');
  }
  reply.code(status).type('text/plain').send(String(err && err.message || err));
});

app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  process.stdout.write('listening ' + app.server.address().port + '\n');
}, (err) => fail('startup: ' + (err && err.stack || err)));

// Exit when the parent goes away (stdin closed) or asks us to stop.
const exit = () => process.exit(0);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
