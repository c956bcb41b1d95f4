'use strict';

// Express 5 app with the real connect-flash 0.1.1 on express-session and
// connect-redis 9 (redis v5 client), for the tests that share flash
// messages between Node (req.flash) and Go (Session.Flash, Flashes,
// AllFlashes) through one Redis.
//
// Environment:
//   SESSION_SECRETS  JSON array of strings; the first signs, all verify.
//   REDIS_URL        the Redis server, e.g. redis://127.0.0.1:6379/0.
//
// Routes (GET or POST):
//   /flash?type=T&msg=M     req.flash(T, M); answers {"id", "count"}
//   /flash?type=T&json=J    req.flash(T, JSON.parse(J)): an object is stored
//                           as it is, an array's elements one by one
//   /flashes?type=T         {"id", "messages": req.flash(T)}
//   /flashes                {"id", "all": req.flash()}
//
// Prints exactly one line "listening PORT" to stdout once connected to Redis
// and listening on 127.0.0.1. Exits when stdin closes, and on SIGTERM/SIGINT.

const http = require('http');
const express = require('express');
const session = require('express-session');
const flash = require('connect-flash');
const { RedisStore } = require('connect-redis');
const { createClient } = require('redis');

function fail(msg) {
  process.stderr.write('flash-app: ' + msg + '\n');
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

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (err) => process.stderr.write('flash-app: redis: ' + err.message + '\n'));

const app = express();
app.use(session({
  secret: secrets,
  store: new RedisStore({ client }),
  resave: false,
  saveUninitialized: false,
  cookie: { sameSite: 'lax' },
}));
app.use(flash());

app.route('/flash').all((req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'POST') return next();
  const type = req.query.type;
  if (typeof type !== 'string' || type === '') {
    res.status(400).send('want type=T');
    return;
  }
  let msg;
  if (typeof req.query.msg === 'string' && req.query.msg !== '') {
    msg = req.query.msg;
  } else if (typeof req.query.json === 'string') {
    try {
      msg = JSON.parse(req.query.json);
    } catch (err) {
      res.status(400).send('json: ' + err.message);
      return;
    }
  } else {
    res.status(400).send('want msg=M or json=J');
    return;
  }
  const count = req.flash(type, msg);
  res.json({ id: req.sessionID, count });
});

app.route('/flashes').all((req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'POST') return next();
  if (typeof req.query.type === 'string' && req.query.type !== '') {
    res.json({ id: req.sessionID, messages: req.flash(req.query.type) });
  } else {
    res.json({ id: req.sessionID, all: req.flash() });
  }
});

app.use((err, req, res, next) => {
  process.stderr.write('flash-app: ' + (err && err.stack || err) + '\n');
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
