'use strict';

// The visit tracker on Fastify with @fastify/secure-session: the count is
// sealed in the cookie. POST /login puts the user in the session (the
// password is not checked), GET /me renders the signed-in page from it.
// Environment: PORT; SESSION_KEY (base64, 32 bytes; a random one when
// unset).

const crypto = require('crypto');
const Fastify = require('fastify');
const page = require('./page');

const app = Fastify();
const key = process.env.SESSION_KEY
  ? Buffer.from(process.env.SESSION_KEY, 'base64')
  : crypto.randomBytes(32);
app.register(require('@fastify/secure-session'), {
  key,
  cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
});
app.get('/', async (request, reply) => {
  const visits = (request.session.get('visits') || 0) + 1;
  request.session.set('visits', visits);
  reply.type('text/html; charset=utf-8');
  return page(visits);
});
// Fastify parses forms only with a plugin (@fastify/formbody): parse the
// few bytes of the sign-in form here instead.
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body)));
});
app.post('/login', async (request, reply) => {
  const user = request.body && request.body.user;
  if (!user) {
    reply.code(400);
    return 'no user';
  }
  request.session.set('user', user);
  return reply.redirect('/', 303);
});
app.get('/me', async (request, reply) => {
  const user = request.session.get('user');
  if (!user) {
    return reply.redirect('/login', 303);
  }
  reply.type('text/html; charset=utf-8');
  return page.signedIn(user);
});
const port = Number(process.env.PORT || 3000);
app.listen({ port, host: '127.0.0.1' }).then(
  () => process.stdout.write(`listening ${port}\n`),
  (err) => {
    process.stderr.write('fastify-app: ' + err.stack + '\n');
    process.exit(1);
  },
);
