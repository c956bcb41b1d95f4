'use strict';

// The visit tracker's pages, as cmd/visits renders them (layout, header,
// account form, footer), so that every peer sends the same bytes of work:
// page(visits) is GET /, page.signedIn(user) is GET /me. bench's
// TestNodePages compares them with the Go rendering, byte for byte.

// escapeHTML escapes as Go's html/template does in text.
function escapeHTML(s) {
  return String(s).replace(/[&<>"'+\0]/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '+': '&#43;', '\0': '\uFFFD',
  })[c]);
}

// layout is the page around heading and account (the section's inside),
// with user ('' for nobody) in the header.
function layout(user, heading, account) {
  const who = user
    ? `<span class="user">Signed in as <strong>${escapeHTML(user)}</strong> · <a href="/account">Account</a></span>`
    : '';
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
  ${who}
</header>
  <main>
    <h1>${escapeHTML(heading)}</h1>
<section class="account">
  ${account}
</section>
  </main>
  <footer>
  <form method="post" action="/reset"><button type="submit">Forget me</button></form>
</footer>
</body>
</html>
`;
}

const signInForm = `<form method="post" action="/login" class="signin">
  
  <label>Name <input name="user" required maxlength="64" autocomplete="username" value=""></label>
  <label>Password <input name="password" type="password" required maxlength="128" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>`;

const signOutLinks = '<a href="/account">Your sessions</a> <form method="post" action="/logout"><button type="submit">Sign out</button></form>';

// page is GET /: the count, and the sign-in form.
module.exports = function page(visits) {
  return layout('', `You have visited this page ${visits} ${visits === 1 ? 'time' : 'times'}.`, signInForm);
};

// signedIn is GET /me: who is signed in (web.SignedInMessage).
module.exports.signedIn = function signedIn(user) {
  return layout(user, `Signed in as ${user}.`, signOutLinks);
};
