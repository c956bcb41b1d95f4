'use strict';

// Express 5 app using the real express-session with its default MemoryStore,
// for compatibility tests.
//
// Environment:
//   SESSION_SECRETS  JSON array of strings; the first signs, all verify.
//   COOKIE_MAX_AGE   optional cookie maxAge in milliseconds.
//   SESSION_NAME     optional cookie name (default: express-session's default).
//
// Prints exactly one line "listening PORT" to stdout once listening on
// 127.0.0.1. Exits when stdin closes, and on SIGTERM/SIGINT.

const http = require('http');
const express = require('express');
const session = require('express-session');

function fail(msg) {
  process.stderr.write('express-app: ' + msg + '\n');
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

const cookie = { sameSite: 'lax' };
if (process.env.COOKIE_MAX_AGE !== undefined && process.env.COOKIE_MAX_AGE !== '') {
  const maxAge = Number(process.env.COOKIE_MAX_AGE);
  if (!Number.isFinite(maxAge)) fail('COOKIE_MAX_AGE must be a number');
  cookie.maxAge = maxAge;
}

const store = new session.MemoryStore();
const options = {
  secret: secrets,
  store,
  resave: false,
  saveUninitialized: false,
  cookie,
};
if (process.env.SESSION_NAME) options.name = process.env.SESSION_NAME;

const app = express();

// Raw store access; mounted before the session middleware so that these
// requests never touch a session themselves.
app.get('/record', (req, res) => {
  const sid = req.query.sid;
  if (typeof sid !== 'string' ||
      !Object.prototype.hasOwnProperty.call(store.sessions, sid)) {
    res.sendStatus(404);
    return;
  }
  res.type('application/json').send(store.sessions[sid]);
});

app.put('/record', express.text({ type: '*/*' }), (req, res, next) => {
  const sid = req.query.sid;
  if (typeof sid !== 'string' || sid === '') {
    res.status(400).send('missing sid');
    return;
  }
  let record;
  try {
    record = JSON.parse(typeof req.body === 'string' ? req.body : '');
  } catch (err) {
    res.status(400).send('invalid JSON body: ' + err.message);
    return;
  }
  store.set(sid, record, (err) => {
    if (err) return next(err);
    res.sendStatus(204);
  });
});

app.use(session(options));

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits || 0) + 1;
  res.json({ id: req.sessionID, visits: req.session.visits });
});

app.get('/peek', (req, res) => {
  res.json({ id: req.sessionID, visits: req.session.visits ?? null });
});

app.post('/destroy', (req, res, next) => {
  req.session.destroy((err) => {
    if (err) return next(err);
    res.sendStatus(204);
  });
});

app.use((err, req, res, next) => {
  process.stderr.write('express-app: ' + (err && err.stack || err) + '\n');
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
