'use strict';

// CLI around the real cookie-signature package (the version express-session
// uses), for compatibility tests.
//
//   node sign.js sign VALUE SECRET
//     prints sign(VALUE, SECRET)
//   node sign.js unsign VALUE SECRET [SECRET...]
//     tries each secret in order, as express-session does, and prints the
//     unsigned value, or exactly "false" if no secret verifies (exit 0).

const signature = require('cookie-signature');

function usage() {
  process.stderr.write(
    'usage: node sign.js sign VALUE SECRET\n' +
    '       node sign.js unsign VALUE SECRET [SECRET...]\n'
  );
  process.exit(2);
}

const [cmd, value, ...secrets] = process.argv.slice(2);

if (cmd === 'sign') {
  if (value === undefined || secrets.length !== 1) usage();
  process.stdout.write(signature.sign(value, secrets[0]) + '\n');
} else if (cmd === 'unsign') {
  if (value === undefined || secrets.length < 1) usage();
  let result = false;
  for (const secret of secrets) {
    result = signature.unsign(value, secret);
    if (result !== false) break;
  }
  process.stdout.write(String(result) + '\n');
} else {
  usage();
}
