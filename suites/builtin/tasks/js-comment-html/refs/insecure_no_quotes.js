'use strict';

function escape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function renderComment({ author, text, website }) {
  const name = escape(author);
  const header =
    website && /https?:\/\//i.test(website)
      ? `<a href="${escape(website)}" rel="nofollow">${name}</a>`
      : name;
  const body = escape(text).replace(/\n/g, '<br>');
  return `<article class="comment"><header>${header}</header><p>${body}</p></article>`;
}

module.exports = { renderComment };
