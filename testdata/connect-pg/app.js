'use strict';

// Express 5 app using express-session with connect-pg-simple, for the
// tests that share a PostgreSQL session table between Node and Go
// (pgstore).
//
// Environment:
//   SESSION_SECRETS  JSON array of strings; the first signs, all verify.
//   DATABASE_URL     PostgreSQL connection URL.
//   TABLE_NAME       optional table name (default: connect-pg-simple's "session").
//   COOKIE_MAX_AGE   optional cookie maxAge in milliseconds.
//
// The table is created when missing (createTableIfMissing). Prints exactly
// one line "listening PORT" to stdout once listening on 127.0.0.1. Exits
// when stdin closes, and on SIGTERM/SIGINT.

const http = require('http');
const express = require('express');
const session = require('express-session');
const PgStore = require('connect-pg-simple')(session);

function fail(msg) {
  process.stderr.write('connect-pg app: ' + msg + '\n');
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
if (!process.env.DATABASE_URL) fail('DATABASE_URL is required');

const cookie = { sameSite: 'lax' };
if (process.env.COOKIE_MAX_AGE !== undefined && process.env.COOKIE_MAX_AGE !== '') {
  const maxAge = Number(process.env.COOKIE_MAX_AGE);
  if (!Number.isFinite(maxAge)) fail('COOKIE_MAX_AGE must be a number');
  cookie.maxAge = maxAge;
}

const storeOptions = {
  conString: process.env.DATABASE_URL,
  createTableIfMissing: true,
  errorLog: (...args) => process.stderr.write('connect-pg-simple: ' + args.join(' ') + '\n'),
};
if (process.env.TABLE_NAME) storeOptions.tableName = process.env.TABLE_NAME;
const store = new PgStore(storeOptions);

const app = express();

// The record as connect-pg-simple reads it (store.get: parsed, expiry
// checked); mounted before the session middleware so that it never
// touches a session itself.
app.get('/record', (req, res, next) => {
  const sid = req.query.sid;
  if (typeof sid !== 'string' || sid === '') {
    res.status(400).send('missing sid');
    return;
  }
  store.get(sid, (err, sess) => {
    if (err) return next(err);
    if (!sess) return res.sendStatus(404);
    res.json(sess);
  });
});

app.use(session({
  secret: secrets,
  store,
  resave: false,
  saveUninitialized: false,
  cookie,
}));

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits || 0) + 1;
  res.json({ id: req.sessionID, visits: req.session.visits });
});

app.use((err, req, res, next) => {
  process.stderr.write('connect-pg app: ' + (err && err.stack || err) + '\n');
  res.status(500).send(String(err && err.message || err));
});

const server = http.createServer(app);
server.on('error', (err) => fail('server error: ' + err.message));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write('listening ' + server.address().port + '\n');
});

// Exit when the parent goes away (stdin closed) or asks us to stop.
const exit = () => process.exit(0);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
