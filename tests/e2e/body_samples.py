"""Story bodies as they arrive from the editor, imports and old saves, for the round-trip tests:
each must come out of the sanitiser as it comes out of the editor then the sanitiser."""

from tests.security.test_body_corpus import EDITOR_MARKUP

PICTURE = '<img src="/media/images/harbour.jpg" alt="Boats in a harbour">'

SAMPLES = [
    EDITOR_MARKUP,
    # Figures: whole, with a linked picture, caption first, without a caption.
    f"<p>Before.</p><figure>{PICTURE}<figcaption>The harbour at dawn.</figcaption></figure>"
    "<p>After.</p>",
    f'<figure><a href="/media/images/harbour.jpg">{PICTURE}</a>'
    "<figcaption>Linked <em>picture</em></figcaption></figure>",
    f"<figure>{PICTURE}</figure>",
    f"<figure>{PICTURE}<figcaption></figcaption></figure>",
    f'<figure class="wp-block-image">\n  {PICTURE}\n  <figcaption>  Spaced   caption </figcaption>\n</figure>',
    f"<figure>{PICTURE}<figcaption>Caption</figcaption><p>More words.</p></figure>",
    # What the old editor stored: a picture without a source, a caption left outside.
    "<p>The argument.</p><figure><img><figcaption>A typed sentence.</figcaption></figure>"
    f"<figure>{PICTURE}<figcaption>The harbour.</figcaption></figure>",
    "<figure><img></figure><figcaption>A typed sentence.</figcaption><p>What the plan means.</p>",
    '<figure><img src="" alt="nothing"><figcaption>Nothing to see</figcaption></figure>',
    "<figcaption>Stray caption</figcaption>",
    '<figure><img src="data:image/png;base64,iVBORw0KGgo=" alt="Inline">'
    "<figcaption>Inline data</figcaption></figure>",
    # Pictures outside figures.
    PICTURE,
    f"<p>Text before {PICTURE} and after.</p>",
    f"<p>{PICTURE}</p>",
    '<p>An <img alt="no source"> image without a source.</p>',
    # Lists, quotes, loose text, marks and whitespace.
    "<ul>\n  <li>One</li>\n  <li><p>Two</p></li>\n</ul>",
    "<ol start='1'><li>First</li></ol><ol start='4'><li>Fourth</li></ol>",
    "<ul><li><p>Para</p><ul><li>Nested</li></ul></li><li></li></ul>",
    "<ul></ul><blockquote></blockquote><p></p>",
    "<blockquote>Loose quote</blockquote>",
    "Loose text<p>Then a paragraph</p>more loose",
    "<p><b>Bold</b> and <i>italic</i>, <em><strong>both</strong></em>; <strong>a</strong><strong>b</strong></p>",
    "<p>  Spaces   everywhere  <br>  after a break </p>",
    "<p>No&nbsp;break&nbsp;spaces and &amp; &lt;tags&gt;</p>",
    '<p><a href="https://example.org" title="T">link <strong>bold</strong></a> and <a>no address</a></p>',
    "<h2>Heading <em>marked</em></h2><h3></h3><h4>Four</h4>",
    "<p>H<sub>2</sub>O, x<sup>2</sup>, <u>u</u>, <s>s</s>, <code>code</code></p>",
    "<hr><p>After a rule</p>",
]
