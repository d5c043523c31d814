"""A stand-in for polaris.js (Shopify's CDN, which a test cannot load), served in its place.

It draws only what a page's structure needs to be checked as a merchant meets it: an s-section's
`heading` as the section's heading (Polaris documents it as "a title that describes the content
of the section"; shopify.dev/docs/api/app-home/polaris-web-components/structure/section), an h2,
or an h3 for a section inside another. Everything else stays undrawn, laid out by the layout's
`:not(:defined)` rules. Form controls stay native (docs/architecture.md, "admin"), so nothing of
a form depends on it.
"""

POLARIS_STAND_IN = """
customElements.define('s-section', class extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) { return; }
    var level = this.parentElement && this.parentElement.closest('s-section') ? 'h3' : 'h2';
    var root = this.attachShadow({mode: 'open'});
    var style = document.createElement('style');
    style.textContent = ':host{display:block;background:#fff;border-radius:12px;'
      + 'padding:16px 20px;margin:0 0 16px;'
      + 'box-shadow:0 1px 0 rgba(0,0,0,.07),0 0 0 1px #e3e3e3}h2,h3{font-size:15px;margin:0 0 10px}';
    root.appendChild(style);
    if (this.getAttribute('heading')) {
      var heading = document.createElement(level);
      heading.textContent = this.getAttribute('heading');
      root.appendChild(heading);
    }
    root.appendChild(document.createElement('slot'));
  }
});
"""
