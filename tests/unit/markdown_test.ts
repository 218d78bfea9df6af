/**
 * The chat page's Markdown renderer: what answers use becomes markup, and nothing from data can
 * become HTML.
 */
import assert from "node:assert/strict";
import { escapeHtml, renderMarkdown } from "../../static/markdown.js";

Deno.test("markdown: answers' constructs render", () => {
  const html = renderMarkdown(
    "Effective cost: **$1,234.50** over `EffectiveCost`.\n\n1. EC2: $10\n2. S3: $5\n\n- a\n- b\n\n> quoted\n\n_Basis: billed cost_",
  );
  assert.match(html, /<p>Effective cost: <strong>\$1,234\.50<\/strong> over <code>EffectiveCost<\/code>\.<\/p>/);
  assert.match(html, /<ol><li>EC2: \$10<\/li><li>S3: \$5<\/li><\/ol>/);
  assert.match(html, /<ul><li>a<\/li><li>b<\/li><\/ul>/);
  assert.match(html, /<blockquote>quoted<\/blockquote>/);
  assert.match(html, /<p><em>Basis: billed cost<\/em><\/p>/);
});

Deno.test("markdown: tables with escaped pipes and right-aligned numbers", () => {
  const html = renderMarkdown("| service | cost |\n| --- | ---: |\n| a \\| b | $1.00 |\n| c\\_d | $2.00 |");
  assert.match(html, /<th>service<\/th><th class="num">cost<\/th>/);
  assert.match(html, /<td>a \| b<\/td><td class="num">\$1\.00<\/td>/);
  assert.match(html, /<td>c_d<\/td>/);
});

Deno.test("markdown: HTML in data stays text, everywhere", () => {
  const evil = `<img src=x onerror=alert(1)>`;
  for (
    const md of [
      evil,
      `**${evil}**`,
      `1. ${evil}: $5`,
      `| s |\n| --- |\n| ${evil} |`,
      `> ${evil}`,
      "`" + evil + "`",
      "```\n" + evil + "\n```",
      `[x](javascript:alert(1)) <script>alert(1)</script> " onmouseover="x`,
    ]
  ) {
    const html = renderMarkdown(md);
    assert.doesNotMatch(html, /<img|<script|<a /, md);
    assert.doesNotMatch(html, /="x/, md);
  }
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

Deno.test("markdown: snake_case and arithmetic are not mistaken for emphasis", () => {
  assert.doesNotMatch(renderMarkdown("effective_cost and line_items"), /<em>/);
  assert.doesNotMatch(renderMarkdown("2 * 3 * 4"), /<strong>/);
});
