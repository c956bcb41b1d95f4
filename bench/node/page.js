'use strict';

// The visit tracker's page, as cmd/visits renders it (layout, header,
// account form, footer), so that every peer sends the same bytes of work.

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;',
  })[c]);
}

module.exports = function page(visits) {
  const message = escapeHTML(`You have visited this page ${visits} ${visits === 1 ? 'time' : 'times'}.`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Visit Tracker</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header>
  <a class="brand" href="/">Visit Tracker</a>
  
</header>
  <main>
    <h1>${message}</h1>
<section class="account">
  <form method="post" action="/login" class="signin">
  
  <label>Name <input name="user" required maxlength="64" autocomplete="username" value=""></label>
  <label>Password <input name="password" type="password" required maxlength="128" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>
</section>
  </main>
  <footer>
  <form method="post" action="/reset"><button type="submit">Forget me</button></form>
</footer>
</body>
</html>
`;
};
