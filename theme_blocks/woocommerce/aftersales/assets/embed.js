/* Aftersales: fill each [data-aftersales-block] with the app's order-status fragment. */
(function () {
  'use strict';
  var RETRIES = 5; // the order webhook may reach the app a little after the buyer lands here

  function load(el, attempt) {
    fetch(el.getAttribute('data-src'), { credentials: 'omit', mode: 'cors' })
      .then(function (response) {
        if (response.status === 404 && attempt < RETRIES) {
          setTimeout(function () { load(el, attempt + 1); }, 1500 * (attempt + 1));
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html) {
          el.innerHTML = html;
          el.setAttribute('data-aftersales-loaded', '');
        }
      })
      .catch(function () { /* keep the placeholder quiet; the page works without us */ });
  }

  function start() {
    var blocks = document.querySelectorAll('[data-aftersales-block][data-src]');
    for (var i = 0; i < blocks.length; i++) {
      load(blocks[i], 0);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
