/* Loaded synchronously in <head>, before the body is drawn: styles that depend on JavaScript
 * (html.js) apply from the first paint. A file, not an inline script, so the
 * Content-Security-Policy can forbid inline scripts altogether. */
document.documentElement.classList.add("js");
