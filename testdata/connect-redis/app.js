'use strict';

// Express 5 app using the real express-session with connect-redis 9 on the
// redis v5 client, for tests that share sessions between Node and
// redisstore through one Redis.
//
// Environment:
//   SESSION_SECRETS  JSON array of strings; the first signs, all verify.
//   REDIS_URL        the Redis server, e.g. redis://127.0.0.1:6379/0.
//   COOKIE_MAX_AGE   optional cookie maxAge in milliseconds.
//   SESSION_NAME     optional cookie name (default: express-session's default).
//   REDIS_PREFIX     optional key prefix (default: connect-redis's "sess:").
//
// GET / increments req.session.visits and answers {"id", "visits"}.
//
// Prints exactly one line "listening PORT" to stdout once connected to Redis
// and listening on 127.0.0.1. Exits when stdin closes, and on SIGTERM/SIGINT.

const http = require('http');
const express = require('express');
const session = require('express-session');
const { RedisStore } = require('connect-redis');
const { createClient } = require('redis');

function fail(msg) {
  process.stderr.write('connect-redis-app: ' + msg + '\n');
  process.exit(1);
}

let secrets;
try {
  secrets = JSON.parse(process.env.SESSION_SECRETS || '');
} catch (err) {
  fail('SESSION_SECRETS must be a JSON array of strings: ' + err.message);
}
if (!Array.isArray(secrets) || secrets.length === 0 ||
    !secrets.every((s) => typeof s === 'string')) {
  fail('SESSION_SECRETS must be a non-empty JSON array of strings');
}
if (!process.env.REDIS_URL) fail('REDIS_URL is required');

const cookie = { sameSite: 'lax' };
if (process.env.COOKIE_MAX_AGE !== undefined && process.env.COOKIE_MAX_AGE !== '') {
  const maxAge = Number(process.env.COOKIE_MAX_AGE);
  if (!Number.isFinite(maxAge)) fail('COOKIE_MAX_AGE must be a number');
  cookie.maxAge = maxAge;
}

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (err) => process.stderr.write('connect-redis-app: redis: ' + err.message + '\n'));

const storeOptions = { client };
if (process.env.REDIS_PREFIX !== undefined) storeOptions.prefix = process.env.REDIS_PREFIX;
const store = new RedisStore(storeOptions);

const options = {
  secret: secrets,
  store,
  resave: false,
  saveUninitialized: false,
  cookie,
};
if (process.env.SESSION_NAME) options.name = process.env.SESSION_NAME;

const app = express();
app.use(session(options));

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits || 0) + 1;
  res.json({ id: req.sessionID, visits: req.session.visits });
});

app.get('/peek', (req, res) => {
  res.json({ id: req.sessionID, visits: req.session.visits ?? null });
});

app.use((err, req, res, next) => {
  process.stderr.write('connect-redis-app: ' + (err && err.stack || err) + '\n');
  res.status(500).send(String(err && err.message || err));
});

// Exit when the parent goes away (stdin closed) or asks us to stop.
const exit = () => process.exit(0);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
process.on('SIGINT', exit);

client.connect().then(() => {
  const server = http.createServer(app);
  server.on('error', (err) => fail('server error: ' + err.message));
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
  });
}, (err) => fail('connecting to ' + process.env.REDIS_URL + ': ' + err.message));
