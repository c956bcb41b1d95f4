'use strict';

// The visit tracker on Fastify with @fastify/secure-session: the count is
// sealed in the cookie. Environment: PORT; SESSION_KEY (base64, 32 bytes;
// a random one when unset).

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
const port = Number(process.env.PORT || 3000);
app.listen({ port, host: '127.0.0.1' }).then(
  () => process.stdout.write(`listening ${port}\n`),
  (err) => {
    process.stderr.write('fastify-app: ' + err.stack + '\n');
    process.exit(1);
  },
);
