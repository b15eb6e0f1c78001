'use strict';

const HTML_ESCAPES = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

function webPageUrl(website) {
  if (typeof website !== 'string' || website.trim() === '') return null;
  let url;
  try {
    url = new URL(website.trim());
  } catch (_) {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return website.trim();
}

function renderComment(comment) {
  const name = escapeHtml(comment.author);
  const site = webPageUrl(comment.website);
  const header = site ? `<a href="${escapeHtml(site)}" rel="nofollow">${name}</a>` : name;
  const body = String(comment.text)
    .split(/\r\n|\r|\n/)
    .map(escapeHtml)
    .join('<br>');
  return `<article class="comment"><header>${header}</header><p>${body}</p></article>`;
}

module.exports = { renderComment };
