'use strict';

// The seed's visit tracker on express-session: GET / counts the visit in
// req.session.visits and renders the page. POST /login signs the visitor
// in as Passport's req.login does (a new session, then
// req.session.passport = { user }; the password is not checked), and
// GET /me renders the signed-in page from req.session.passport.user.
//
// Environment: PORT; SESSION_SECRET; STORE=memory (express-session's
// MemoryStore, the default) or redis, with REDIS_URL (connect-redis 9).

const express = require('express');
const session = require('express-session');
const page = require('./page');

async function main() {
  const options = {
    secret: process.env.SESSION_SECRET || 'a benchmark secret of thirty-two bytes',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  };
  if (process.env.STORE === 'redis') {
    const { RedisStore } = require('connect-redis');
    const { createClient } = require('redis');
    const client = createClient({ url: process.env.REDIS_URL });
    client.on('error', (err) => process.stderr.write('express-app: redis: ' + err.message + '\n'));
    await client.connect();
    options.store = new RedisStore({ client });
  }
  const app = express();
  app.use(session(options));
  app.get('/', (req, res) => {
    req.session.visits = (req.session.visits || 0) + 1;
    res.type('html').send(page(req.session.visits));
  });
  app.post('/login', express.urlencoded({ extended: false }), (req, res, next) => {
    const user = req.body && req.body.user;
    if (!user) {
      res.status(400).type('text').send('no user');
      return;
    }
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.passport = { user };
      req.session.save((err) => {
        if (err) return next(err);
        res.redirect(303, '/');
      });
    });
  });
  app.get('/me', (req, res) => {
    const user = req.session.passport && req.session.passport.user;
    if (!user) {
      res.redirect(303, '/login');
      return;
    }
    res.type('html').send(page.signedIn(user));
  });
  const port = Number(process.env.PORT || 3000);
  app.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
}

main().catch((err) => {
  process.stderr.write('express-app: ' + err.stack + '\n');
  process.exit(1);
});
