'use strict';

// Express 5 app signing users in with the real passport 0.7 on
// express-session, for the tests that share a sign-in between Node
// (req.login, req.logout, req.user) and Go (Session.SignIn, SignOut,
// User) through one store: connect-redis 9 on the redis v5 client, or
// connect-pg-simple 10.
//
// Environment:
//   SESSION_SECRETS  JSON array of strings; the first signs, all verify.
//   REDIS_URL        a Redis server (connect-redis, prefix "sess:"), or
//   DATABASE_URL     a PostgreSQL database (connect-pg-simple, table
//                    TABLE_NAME, default "session", created when missing).
//   COOKIE_MAX_AGE   optional cookie maxAge in milliseconds.
//
// Passport's serializeUser stores the user as it is (a name string, or a
// number from /login?id=N) under session.passport.user; deserializeUser
// answers the stored value, so req.user is what the record holds, with its
// JSON type.
//
// Routes (GET or POST for /login and /logout):
//   /login?user=NAME   req.login(NAME); with keep=1, {keepSessionInfo: true}
//   /login?id=N        req.login(Number(N)), a number user
//   /logout            req.logout(); with keep=1, {keepSessionInfo: true}
//   GET /me            {"user", "userType", "authenticated", "id", "visits"}
//   GET /              increments session.visits, answers as /me does
//   GET /record?sid=ID the stored record as the store's get returns it, or
//                      404 (mounted before the session middleware)
//
// Prints exactly one line "listening PORT" to stdout once connected to the
// store and listening on 127.0.0.1. Exits when stdin closes, and on
// SIGTERM/SIGINT.

const http = require('http');
const express = require('express');
const session = require('express-session');
const passport = require('passport');

function fail(msg) {
  process.stderr.write('passport-app: ' + msg + '\n');
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

// The store, and a promise settled once it is ready.
let store;
let ready;
if (process.env.REDIS_URL && process.env.DATABASE_URL) {
  fail('set REDIS_URL or DATABASE_URL, not both');
} else if (process.env.REDIS_URL) {
  const { RedisStore } = require('connect-redis');
  const { createClient } = require('redis');
  const client = createClient({ url: process.env.REDIS_URL });
  client.on('error', (err) => process.stderr.write('passport-app: redis: ' + err.message + '\n'));
  store = new RedisStore({ client });
  ready = client.connect().catch((err) => fail('connecting to ' + process.env.REDIS_URL + ': ' + err.message));
} else if (process.env.DATABASE_URL) {
  const PgStore = require('connect-pg-simple')(session);
  const storeOptions = {
    conString: process.env.DATABASE_URL,
    createTableIfMissing: true,
    errorLog: (...args) => process.stderr.write('connect-pg-simple: ' + args.join(' ') + '\n'),
  };
  if (process.env.TABLE_NAME) storeOptions.tableName = process.env.TABLE_NAME;
  store = new PgStore(storeOptions);
  ready = Promise.resolve();
} else {
  fail('REDIS_URL or DATABASE_URL is required');
}

passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((stored, done) => done(null, stored));

const app = express();

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
app.use(passport.initialize());
app.use(passport.session());

function me(req) {
  return {
    user: req.user ?? null,
    userType: req.user === undefined || req.user === null ? null : typeof req.user,
    authenticated: req.isAuthenticated(),
    id: req.sessionID,
    visits: req.session.visits ?? null,
  };
}

function keep(req) {
  return req.query.keep === '1' ? { keepSessionInfo: true } : {};
}

app.route('/login').all((req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'POST') return next();
  let user;
  if (typeof req.query.user === 'string' && req.query.user !== '') {
    user = req.query.user;
  } else if (typeof req.query.id === 'string' && /^-?[0-9]+$/.test(req.query.id)) {
    user = Number(req.query.id);
  } else {
    res.status(400).send('want user=NAME or id=N');
    return;
  }
  req.login(user, keep(req), (err) => {
    if (err) return next(err);
    res.json(me(req));
  });
});

app.route('/logout').all((req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'POST') return next();
  req.logout(keep(req), (err) => {
    if (err) return next(err);
    res.json(me(req));
  });
});

app.get('/me', (req, res) => {
  res.json(me(req));
});

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits || 0) + 1;
  res.json(me(req));
});

app.use((err, req, res, next) => {
  process.stderr.write('passport-app: ' + (err && err.stack || err) + '\n');
  res.status(500).send(String(err && err.message || err));
});

// Exit when the parent goes away (stdin closed) or asks us to stop.
const exit = () => process.exit(0);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
process.on('SIGINT', exit);

ready.then(() => {
  const server = http.createServer(app);
  server.on('error', (err) => fail('server error: ' + err.message));
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
  });
});
