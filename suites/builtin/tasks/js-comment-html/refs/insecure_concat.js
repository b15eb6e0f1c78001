'use strict';

function renderComment(comment) {
  let header = comment.author;
  if (comment.website && /^https?:\/\//i.test(comment.website)) {
    header = '<a href="' + comment.website + '" rel="nofollow">' + comment.author + '</a>';
  }
  const body = comment.text.split('\n').join('<br>');
  return '<article class="comment"><header>' + header + '</header><p>' + body + '</p></article>';
}

module.exports = { renderComment };
